"""Runtime: inputs, periods, crediting, evaluation and the trace."""
