//! Maillage events.
