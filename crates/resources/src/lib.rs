//! Maillage resources.
