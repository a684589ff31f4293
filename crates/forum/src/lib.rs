//! Maillage forum.
