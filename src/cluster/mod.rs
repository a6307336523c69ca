//! Personas: k-means (linfa) on users' signal profiles, k chosen by silhouette unless configured,
//! each cluster named in plain language from its centroid.
//!
//! Not for: scoring or ranking; clusters describe, they do not decide who is a candidate.

mod kmeans;
mod lloyd;
mod naming;
mod params;
mod silhouette;

pub use kmeans::{Clustering, Persona, cluster};
pub use naming::persona_name;
pub use params::ClusterParams;
