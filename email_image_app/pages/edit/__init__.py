"""`/edit`: the editor. `state` holds its inputs, uploads and run; `view` draws the page."""
