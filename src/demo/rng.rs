//! The demo's random numbers, frozen in the repository.
//!
//! The demo store must stay the same for the same seed, release after release: its figures are
//! quoted in tests, the README and users' bug reports. A random-number crate may change its
//! algorithms between major versions (rand 0.9 did), so the generator lives here. It reproduces,
//! bit for bit, what the demo drew from rand 0.8 with rand_chacha 0.3: ChaCha with 8 rounds
//! seeded from a `u64` through PCG32 (rand_core 0.6's `seed_from_u64`), integers in a range by
//! widening multiply with rejection, floats from the top 52 bits, and Bernoulli trials against
//! `p * 2^64`. The tests hold it to outputs recorded from those crates.

use std::ops::{Range, RangeInclusive};

/// Words of ChaCha output per refill: one 64-byte block.
const BLOCK_WORDS: usize = 16;

/// ChaCha's "expand 32-byte k".
const CONSTANTS: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// A deterministic ChaCha generator: a stream of 32-bit words, read in order.
#[derive(Clone, Debug)]
pub struct DemoRng {
    key: [u32; 8],
    /// The 64-bit block counter of the next block (words 12 and 13; the nonce is zero).
    counter: u64,
    double_rounds: usize,
    block: [u32; BLOCK_WORDS],
    /// The next unread word of `block`; `BLOCK_WORDS` when it is used up.
    index: usize,
}

impl DemoRng {
    /// ChaCha8 seeded from `seed` as rand_core 0.6's `SeedableRng::seed_from_u64` does.
    pub fn seed_from_u64(seed: u64) -> Self {
        let mut state = seed;
        let mut key = [0u32; 8];
        for word in &mut key {
            *word = pcg32(&mut state);
        }
        Self::from_key(key, 8)
    }

    /// ChaCha with `rounds` rounds (8, 12 or 20) over a 256-bit key, block counter 0.
    fn from_key(key: [u32; 8], rounds: usize) -> Self {
        Self {
            key,
            counter: 0,
            double_rounds: rounds / 2,
            block: [0; BLOCK_WORDS],
            index: BLOCK_WORDS,
        }
    }

    /// The next 32-bit word of the stream.
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= BLOCK_WORDS {
            self.refill();
        }
        let word = self.block[self.index];
        self.index += 1;
        word
    }

    /// The next two words, the first as the low half (rand_core's `BlockRng::next_u64`).
    pub fn next_u64(&mut self) -> u64 {
        let low = u64::from(self.next_u32());
        let high = u64::from(self.next_u32());
        (high << 32) | low
    }

    /// `true` with probability `p`. `p` at or above 1 is always true without drawing, as in rand;
    /// below 0 (or NaN, which rand refuses) is never true.
    pub fn gen_bool(&mut self, p: f64) -> bool {
        if p >= 1.0 {
            return true;
        }
        debug_assert!(p >= 0.0, "gen_bool needs a probability, got {p}");
        // 2^64 as f64; the cast saturates as rand's does.
        let threshold = (p.max(0.0) * 18_446_744_073_709_551_616.0) as u64;
        self.next_u64() < threshold
    }

    /// A value drawn uniformly from `range` (half-open or inclusive; integers or `f64`).
    pub fn gen_range<T, R: SampleRange<T>>(&mut self, range: R) -> T {
        range.sample_from(self)
    }

    fn refill(&mut self) {
        let mut input = [0u32; BLOCK_WORDS];
        input[..4].copy_from_slice(&CONSTANTS);
        input[4..12].copy_from_slice(&self.key);
        input[12] = self.counter as u32;
        input[13] = (self.counter >> 32) as u32;
        let mut x = input;
        for _ in 0..self.double_rounds {
            quarter_round(&mut x, 0, 4, 8, 12);
            quarter_round(&mut x, 1, 5, 9, 13);
            quarter_round(&mut x, 2, 6, 10, 14);
            quarter_round(&mut x, 3, 7, 11, 15);
            quarter_round(&mut x, 0, 5, 10, 15);
            quarter_round(&mut x, 1, 6, 11, 12);
            quarter_round(&mut x, 2, 7, 8, 13);
            quarter_round(&mut x, 3, 4, 9, 14);
        }
        for (out, (mixed, original)) in self.block.iter_mut().zip(x.iter().zip(input.iter())) {
            *out = mixed.wrapping_add(*original);
        }
        self.counter = self.counter.wrapping_add(1);
        self.index = 0;
    }
}

fn quarter_round(x: &mut [u32; BLOCK_WORDS], a: usize, b: usize, c: usize, d: usize) {
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(16);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(12);
    x[a] = x[a].wrapping_add(x[b]);
    x[d] = (x[d] ^ x[a]).rotate_left(8);
    x[c] = x[c].wrapping_add(x[d]);
    x[b] = (x[b] ^ x[c]).rotate_left(7);
}

/// One PCG32 step as rand_core 0.6 uses it to spread a `u64` seed over the key.
fn pcg32(state: &mut u64) -> u32 {
    const MUL: u64 = 6_364_136_223_846_793_005;
    const INC: u64 = 11_634_580_027_462_260_723;
    *state = state.wrapping_mul(MUL).wrapping_add(INC);
    let s = *state;
    let xorshifted = (((s >> 18) ^ s) >> 27) as u32;
    xorshifted.rotate_right((s >> 59) as u32)
}

/// A range the generator can draw from.
pub trait SampleRange<T> {
    fn sample_from(self, rng: &mut DemoRng) -> T;
}

/// Integers drawn as rand 0.8's `UniformInt::sample_single_inclusive` draws them.
pub trait UniformInt: Copy + PartialOrd {
    fn sample_inclusive(low: Self, high: Self, rng: &mut DemoRng) -> Self;
    /// The value one below (the end of a half-open range, which is never empty).
    fn predecessor(self) -> Self;
}

/// `$ty` drawn through `$large` words (u32 for types up to 32 bits, u64 above); 8- and 16-bit
/// types reject by modulus, wider ones by the shifted range, exactly as rand 0.8 does.
macro_rules! uniform_int {
    ($ty:ty, $unsigned:ty, $large:ty, $wide:ty, $draw:ident) => {
        impl UniformInt for $ty {
            fn sample_inclusive(low: Self, high: Self, rng: &mut DemoRng) -> Self {
                let range = high.wrapping_sub(low).wrapping_add(1) as $unsigned as $large;
                if range == 0 {
                    // The type's whole span: any word will do.
                    return rng.$draw() as $ty;
                }
                let zone = if <$unsigned>::MAX as u64 <= u16::MAX as u64 {
                    let max = <$large>::MAX;
                    max - (max - range + 1) % range
                } else {
                    (range << range.leading_zeros()).wrapping_sub(1)
                };
                loop {
                    let word = rng.$draw() as $large;
                    let product = (word as $wide) * (range as $wide);
                    let (high_part, low_part) = ((product >> <$large>::BITS) as $large, product as $large);
                    if low_part <= zone {
                        return low.wrapping_add(high_part as $ty);
                    }
                }
            }

            fn predecessor(self) -> Self {
                self - 1
            }
        }
    };
}

uniform_int!(u8, u8, u32, u64, next_u32);
uniform_int!(u16, u16, u32, u64, next_u32);
uniform_int!(i32, u32, u32, u64, next_u32);
uniform_int!(u32, u32, u32, u64, next_u32);
uniform_int!(i64, u64, u64, u128, next_u64);
uniform_int!(u64, u64, u64, u128, next_u64);
uniform_int!(usize, usize, u64, u128, next_u64);

impl<T: UniformInt> SampleRange<T> for Range<T> {
    fn sample_from(self, rng: &mut DemoRng) -> T {
        assert!(self.start < self.end, "gen_range needs a non-empty range");
        T::sample_inclusive(self.start, self.end.predecessor(), rng)
    }
}

impl<T: UniformInt> SampleRange<T> for RangeInclusive<T> {
    fn sample_from(self, rng: &mut DemoRng) -> T {
        let (low, high) = self.into_inner();
        assert!(low <= high, "gen_range needs a non-empty range");
        T::sample_inclusive(low, high, rng)
    }
}

impl SampleRange<f64> for Range<f64> {
    /// rand 0.8's `UniformFloat::sample_single`: a value in [1, 2) from the top 52 bits of a
    /// word, shifted to [0, 1) and scaled; a result that rounds up to `end` is drawn again with
    /// the scale one step smaller.
    fn sample_from(self, rng: &mut DemoRng) -> f64 {
        let (low, high) = (self.start, self.end);
        assert!(low < high, "gen_range needs a non-empty range");
        let mut scale = high - low;
        assert!(scale.is_finite(), "gen_range needs a finite range");
        loop {
            let one_to_two = f64::from_bits((rng.next_u64() >> 12) | 1.0f64.to_bits());
            let value = (one_to_two - 1.0) * scale + low;
            if value < high {
                return value;
            }
            scale = f64::from_bits(scale.to_bits() - 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chacha20_matches_the_reference_key_stream() {
        // The all-zero key's first block, as rand_chacha's and the ChaCha paper's test vectors.
        let mut rng = DemoRng::from_key([0; 8], 20);
        let words: Vec<u32> = (0..16).map(|_| rng.next_u32()).collect();
        let expected = [
            0xade0b876, 0x903df1a0, 0xe56a5d40, 0x28bd8653, 0xb819d2bd, 0x1aed8da0, 0xccef36a8, 0xc70d778b,
            0x7c5941da, 0x8d485751, 0x3fe02477, 0x374ad8b8, 0xf4b8436a, 0x1ca11815, 0x69b687c3, 0x8665eeb2,
        ];
        assert_eq!(words, expected);
    }

    /// Seed 7's draws as rand 0.8.8 with rand_chacha 0.3.1 gave them (recorded when the generator
    /// was frozen here): every kind of draw the demo and the fuzz campaign make, in one stream.
    #[test]
    fn seed_7_draws_what_rand_08_drew() {
        let mut rng = DemoRng::seed_from_u64(7);
        let words: Vec<u32> = (0..4).map(|_| rng.next_u32()).collect();
        assert_eq!(words, [0x23d743bb, 0x28655334, 0x2e9b293a, 0x2b0159d3]);
        let longs: Vec<u64> = (0..2).map(|_| rng.next_u64()).collect();
        assert_eq!(longs, [0xb44b70b945249531, 0xba0bb7b6093e3ae3]);
        let days: Vec<i64> = (0..4).map(|_| rng.gen_range(0..1080i64)).collect();
        assert_eq!(days, [649, 388, 917, 1069]);
        let scores: Vec<i32> = (0..4).map(|_| rng.gen_range(1..=3)).collect();
        assert_eq!(scores, [2, 1, 3, 2]);
        let picks: Vec<usize> = (0..4).map(|_| rng.gen_range(0..12usize)).collect();
        assert_eq!(picks, [6, 3, 5, 6]);
        let hours: Vec<u32> = (0..4).map(|_| rng.gen_range(8..18u32)).collect();
        assert_eq!(hours, [16, 11, 11, 8]);
        let bytes: Vec<u8> = (0..4).map(|_| rng.gen_range(0..8u8)).collect();
        assert_eq!(bytes, [1, 2, 3, 2]);
        let units: Vec<u64> = (0..3).map(|_| rng.gen_range(0.0..1.0f64).to_bits()).collect();
        assert_eq!(
            units,
            [0x3fd99aa7777476b0, 0x3faf64cdbc0c0c20, 0x3fde4912a3c4dc28]
        );
        let spans: Vec<u64> = (0..3).map(|_| rng.gen_range(6.0..30.0f64).to_bits()).collect();
        assert_eq!(
            spans,
            [0x403308e1109eb00c, 0x40271a5ec8f721a3, 0x4038c5f70a4d43e8]
        );
        let coins: Vec<bool> = (0..12).map(|_| rng.gen_bool(0.3)).collect();
        let heads = [
            true, false, true, false, false, false, true, false, false, true, false, false,
        ];
        assert_eq!(coins, heads);
        // A certainty draws nothing: the next word follows on.
        assert!(rng.gen_bool(1.0));
        assert_eq!(rng.next_u32(), 0x71017fc1);
    }

    #[test]
    fn a_word_stream_crosses_blocks_without_a_seam() {
        // next_u64 straddling a block reads the last word of one block and the first of the next.
        let mut by_words = DemoRng::seed_from_u64(3);
        let words: Vec<u32> = (0..34).map(|_| by_words.next_u32()).collect();
        let mut mixed = DemoRng::seed_from_u64(3);
        assert_eq!(mixed.next_u32(), words[0]);
        for pair in 0..16 {
            let expected = u64::from(words[1 + 2 * pair]) | (u64::from(words[2 + 2 * pair]) << 32);
            assert_eq!(mixed.next_u64(), expected);
        }
        assert_eq!(mixed.next_u32(), words[33]);
    }

    #[test]
    fn ranges_stay_inside_their_bounds() {
        let mut rng = DemoRng::seed_from_u64(11);
        for _ in 0..10_000 {
            assert!((3..45).contains(&rng.gen_range(3..45i64)));
            assert!((4..=5).contains(&rng.gen_range(4..=5i32)));
            let x = rng.gen_range(0.15..0.4);
            assert!((0.15..0.4).contains(&x));
        }
        // The float loop's edge: a range one step wide still returns its start.
        let start = 1.0f64;
        let end = f64::from_bits(start.to_bits() + 1);
        assert_eq!(rng.gen_range(start..end), start);
    }
}
