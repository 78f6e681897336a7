"""The running Trellis service: settings, database, HTTP app and command line."""
