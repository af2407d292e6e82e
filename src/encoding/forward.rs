//! Forward mis-decodings used to synthesize spam (in progress).
