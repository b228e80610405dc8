"""What every app shares: the cache helper, the HTML sanitizer, safe file names and upload
checks, the lock-and-check-version helper. It imports no app of ours."""
