//! Maillage resources: the hub's library of open resources.
//!
//! `vocabulary` (themes, publics, types, sectors: data seeded from Les Bases), `licences` (SPDX
//! ids and what each allows), `library` (resources, their versions, the catalogue with facets
//! and search), `files` (uploads checked as they stream in, stored and streamed back),
//! `transfer` (the export manifest). Nothing here speaks ActivityPub.

pub mod files;
pub mod library;
pub mod licences;
pub mod transfer;
pub mod vocabulary;
