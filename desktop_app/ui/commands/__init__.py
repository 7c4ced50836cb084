"""What the menus, toolbar, drops and panels' buttons do: one class per concern, each
built with typed arguments (the Session, the TrainingController, the JobRunner, a
Notifier for messages and questions), never an untyped window."""
