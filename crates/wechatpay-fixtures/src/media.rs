//! Sample files to upload, made by `media/generate.py` with the Python standard library.

/// A 16x16 RGB PNG, complete and valid (`logo.png`).
pub const LOGO_PNG: &[u8] = include_bytes!("../media/logo.png");

/// The same picture as a 24-bit BMP (`logo.bmp`).
pub const LOGO_BMP: &[u8] = include_bytes!("../media/logo.bmp");

/// An ISO base media file (`clip.mp4`): well-formed `ftyp` (brand `isom`) and `mdat` boxes,
/// with no playable track, which no check of an upload looks at.
pub const CLIP_MP4: &[u8] = include_bytes!("../media/clip.mp4");
