"""The ground floor: settings, the database engines and sessions, and the migration
runner. Imports none of Trellis's own packages; every other package may import it."""
