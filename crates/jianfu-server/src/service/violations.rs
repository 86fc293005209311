//! (to be written: the violations use cases)
