"""Who is asking (the principal) and the one policy that decides what they may do."""
