//! Staffetta server: the edge around the engine and handoff cores.
