//! Encoding views: the readings of a token under the mis-decodings seen on
//! the web. (Reverse views being built; see issue 3.)

pub mod forward;
