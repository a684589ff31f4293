//! Maillage federation.
