"""The dialog's flows: one module per thing a user does (``on_text``, ``on_button``, ``reprompt``)."""
