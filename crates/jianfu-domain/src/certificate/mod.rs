//! Resident certificates (三(四)): who may ask, what the community may stamp. (being built)
