"""The views inside the network, one file per view: they draw what core.inspect computed
and emit signals; like panels and plots they never import the controller, worker,
session, commands or main window."""
