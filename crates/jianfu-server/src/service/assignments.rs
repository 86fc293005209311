//! (to be written: the assignments use cases)
