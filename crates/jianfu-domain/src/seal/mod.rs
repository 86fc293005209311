//! The seal-use log (用印登记): hash chain, Merkle tree, signed checkpoints. (being built)
