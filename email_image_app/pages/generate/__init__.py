"""`/`: the generator. `state` holds its run and form; `view` draws the page."""
