"""The reviewers' HTTP API: accounts, submissions, history, export, statistics and the plans of the knowledge base."""
