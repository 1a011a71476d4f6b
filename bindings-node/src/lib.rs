// Node bindings: see issue 5.
