//! Desk tests (placeholder until written).
