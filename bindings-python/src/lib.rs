// Python bindings: see issue 4.
