//! Diagrams of a suite's security groups (DOT and Mermaid). Filled in by the diagram work.
