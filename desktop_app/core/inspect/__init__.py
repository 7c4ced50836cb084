"""What the views inside the network compute, Qt-free: from a model and a small batch
(or one sample) in, plain numpy arrays and small records out (DESIGN.md §9).

Each module computes one thing; the training thread samples them a few times a second
and the GUI only draws what they return."""
