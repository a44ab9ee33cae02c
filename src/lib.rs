//! Helpers shared by the example apps: argument parsing and the printed summary.
