//! Reachability: can one workload reach another on a protocol and port?
