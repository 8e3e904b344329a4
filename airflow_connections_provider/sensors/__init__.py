"""The validation sensor (``ibm``): waits until the service accepts a connection, in poke, reschedule or
deferrable mode."""
