//! AES-256-GCM decryption as the bytes of a file arrive.
//!
//! `aes-gcm` decrypts a message in one call, which would hold a whole encrypted bill (the
//! platform splits them only past about 16 GB) in memory. This is the same construction
//! (NIST SP 800-38D, §7.2, as `aes-gcm` 0.11 builds it) over the same primitives, `aes`,
//! `ctr` and `ghash`, fed piece by piece: the counter-mode keystream decrypts each piece, GHASH
//! takes the ciphertext as it passes, and the last 16 bytes are held back, since the stream
//! ends with the tag. Nothing decrypted is trusted until [`GcmStream::finish`] compared the
//! tag: the caller writes it where nothing reads it before then (see `decoder.rs`). The tests
//! check it against `aes-gcm`'s one-shot decryption for every length and split, and against
//! a vector made with Python's `cryptography`.

use aes::Aes256;
use aes::cipher::{InnerIvInit, KeyInit, StreamCipher};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;

/// The tag's length: the platform's files end with the full 128-bit tag.
const TAG_LEN: usize = 16;
const BLOCK: usize = 16;

type Block = ghash::Block;

/// The state of one file's decryption.
pub(crate) struct GcmStream {
    keystream: ctr::Ctr32BE<Aes256>,
    ghash: GHash,
    tag_mask: Block,
    /// The last bytes seen, at most [`TAG_LEN`]: the tag, if the file ends here.
    held: Vec<u8>,
    /// Ciphertext that does not fill a GHASH block yet.
    partial: Vec<u8>,
    /// Ciphertext bytes authenticated so far.
    len: u64,
}

impl GcmStream {
    /// A decryption under `key` and `nonce`, with empty associated data (the platform's bill
    /// pages say the associated data is left empty). `nonce` is used as the bytes given: the
    /// bill pages' nonces are 16 characters, which GCM turns into its counter block through
    /// GHASH, as SP 800-38D says for any nonce that is not 12 bytes.
    pub(crate) fn new(key: &[u8; 32], nonce: &[u8]) -> Self {
        let cipher = Aes256::new(&(*key).into());
        let mut hash_key = ghash::Key::default();
        aes::cipher::BlockCipherEncrypt::encrypt_block(&cipher, &mut hash_key);
        let ghash = GHash::new(&hash_key);
        let j0 = if nonce.len() == 12 {
            let mut block = Block::default();
            block[..12].copy_from_slice(nonce);
            block[15] = 1;
            block
        } else {
            let mut hash = ghash.clone();
            hash.update_padded(nonce);
            let mut lengths = Block::default();
            lengths[8..].copy_from_slice(&((nonce.len() as u64) * 8).to_be_bytes());
            hash.update(&[lengths]);
            hash.finalize()
        };
        let mut keystream = ctr::Ctr32BE::<Aes256>::from_core(ctr::CtrCore::<
            Aes256,
            ctr::flavors::Ctr32BE,
        >::inner_iv_init(cipher, &j0));
        // The first keystream block, E(K, J0), masks the tag; the file's bytes take the next.
        let mut tag_mask = Block::default();
        keystream.apply_keystream(&mut tag_mask);
        GcmStream {
            keystream,
            ghash,
            tag_mask,
            held: Vec::with_capacity(TAG_LEN * 2),
            partial: Vec::with_capacity(BLOCK),
            len: 0,
        }
    }

    /// Decrypts `input`, appending the plaintext to `out`, all but the last [`TAG_LEN`] bytes
    /// seen so far, which may be the tag.
    pub(crate) fn update(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let total = self.held.len() + input.len();
        if total <= TAG_LEN {
            self.held.extend_from_slice(input);
            return;
        }
        let release = total - TAG_LEN;
        let from_held = release.min(self.held.len());
        let from_input = release - from_held;
        let start = out.len();
        out.extend_from_slice(&self.held[..from_held]);
        out.extend_from_slice(&input[..from_input]);
        self.held.drain(..from_held);
        self.held.extend_from_slice(&input[from_input..]);
        let ciphertext = &mut out[start..];
        self.authenticate(ciphertext);
        self.keystream.apply_keystream(ciphertext);
    }

    /// GHASH over `ciphertext`, in whole blocks, keeping the rest for the next piece.
    fn authenticate(&mut self, mut ciphertext: &[u8]) {
        self.len += ciphertext.len() as u64;
        if !self.partial.is_empty() {
            let fill = (BLOCK - self.partial.len()).min(ciphertext.len());
            self.partial.extend_from_slice(&ciphertext[..fill]);
            ciphertext = &ciphertext[fill..];
            if self.partial.len() < BLOCK {
                return;
            }
            self.ghash.update_padded(&self.partial);
            self.partial.clear();
        }
        let whole = ciphertext.len() - ciphertext.len() % BLOCK;
        // A length that is a multiple of the block size is hashed without padding.
        self.ghash.update_padded(&ciphertext[..whole]);
        self.partial.extend_from_slice(&ciphertext[whole..]);
    }

    /// Compares the tag the file ended with to the one computed: whether everything
    /// [`GcmStream::update`] gave out was the plaintext of what was encrypted under this key
    /// and nonce, whole.
    pub(crate) fn finish(mut self) -> bool {
        if self.held.len() != TAG_LEN {
            return false;
        }
        self.ghash.update_padded(&self.partial);
        let mut lengths = Block::default();
        // Associated data: none. Then the ciphertext's length in bits.
        lengths[8..].copy_from_slice(&self.len.wrapping_mul(8).to_be_bytes());
        self.ghash.update(&[lengths]);
        let tag = self.ghash.finalize();
        // Every byte compared, whatever the first difference: no timing to learn from.
        let difference = tag
            .iter()
            .zip(self.tag_mask.iter())
            .zip(self.held.iter())
            .fold(0u8, |acc, ((t, m), h)| acc | (t ^ m ^ h));
        difference == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::AeadInOut;
    use aes_gcm::aes::cipher::consts::{U12, U16};
    use aes_gcm::{AesGcm, Nonce};
    use proptest::prelude::*;

    fn encrypt(key: &[u8; 32], nonce: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut buffer = plaintext.to_vec();
        let tag = if nonce.len() == 12 {
            AesGcm::<aes::Aes256, U12>::new(&(*key).into())
                .encrypt_inout_detached(
                    &Nonce::<U12>::try_from(nonce).unwrap(),
                    b"",
                    buffer.as_mut_slice().into(),
                )
                .unwrap()
        } else {
            AesGcm::<aes::Aes256, U16>::new(&(*key).into())
                .encrypt_inout_detached(
                    &Nonce::<U16>::try_from(nonce).unwrap(),
                    b"",
                    buffer.as_mut_slice().into(),
                )
                .unwrap()
        };
        buffer.extend_from_slice(&tag);
        buffer
    }

    fn decrypt_in_pieces(
        key: &[u8; 32],
        nonce: &[u8],
        file: &[u8],
        piece: usize,
    ) -> (Vec<u8>, bool) {
        let mut stream = GcmStream::new(key, nonce);
        let mut out = Vec::new();
        for chunk in file.chunks(piece.max(1)) {
            stream.update(chunk, &mut out);
        }
        (out, stream.finish())
    }

    proptest! {
        #[test]
        fn pieces_of_any_size_decrypt_as_aes_gcm_does(
            plaintext in proptest::collection::vec(any::<u8>(), 0..200),
            piece in 1usize..40,
            sixteen in any::<bool>(),
            key in any::<[u8; 32]>(),
        ) {
            let nonce: &[u8] = if sixteen { b"a8607ef79034c49c" } else { b"5K8264ILTKCH" };
            let file = encrypt(&key, nonce, &plaintext);
            let (out, valid) = decrypt_in_pieces(&key, nonce, &file, piece);
            prop_assert!(valid);
            prop_assert_eq!(out, plaintext);
        }

        #[test]
        fn any_changed_byte_fails_the_tag(
            plaintext in proptest::collection::vec(any::<u8>(), 1..100),
            at in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let key = [7; 32];
            let mut file = encrypt(&key, b"a8607ef79034c49c", &plaintext);
            let at = at.index(file.len());
            file[at] ^= flip;
            prop_assert!(!decrypt_in_pieces(&key, b"a8607ef79034c49c", &file, 7).1);
        }
    }

    #[test]
    fn a_file_shorter_than_a_tag_or_cut_short_fails() {
        let key = [1; 32];
        assert!(!decrypt_in_pieces(&key, b"a8607ef79034c49c", b"short", 2).1);
        let file = encrypt(&key, b"a8607ef79034c49c", b"a bill of some length");
        assert!(!decrypt_in_pieces(&key, b"a8607ef79034c49c", &file[..file.len() - 1], 4).1);
        assert!(!decrypt_in_pieces(&[2; 32], b"a8607ef79034c49c", &file, 4).1);
        assert!(!decrypt_in_pieces(&key, b"a8607ef79034c49d", &file, 4).1);
    }
}
