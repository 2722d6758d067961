// placeholder: the client scripts arrive with the client issue
