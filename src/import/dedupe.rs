//! Finding keys that appear twice in a file, in memory that does not grow with the file: each
//! row's key hash and line go into a buffer; a full buffer is sorted and spilled to a temporary
//! file as a run; at the end the runs are merged and equal hashes are the candidates. The
//! caller confirms a candidate by its key text, so a hash collision is never reported.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use crate::error::{Error, Result};

/// Entries held in memory before a run is spilled: 16 bytes each, 4 MB in all.
const RUN_ENTRIES: usize = 1 << 18;

#[derive(Default)]
pub struct KeyLedger {
    buffer: Vec<(u64, u64)>,
    runs: Vec<File>,
    capacity: usize,
}

/// A line whose key appeared on an earlier line too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    pub line: u64,
    pub earlier: u64,
}

fn io_error(source: std::io::Error) -> Error {
    Error::Io {
        context: "keeping track of the file's keys in a temporary file".into(),
        source,
    }
}

impl KeyLedger {
    pub fn new() -> Self {
        Self::with_capacity(RUN_ENTRIES)
    }

    fn with_capacity(capacity: usize) -> Self {
        KeyLedger {
            buffer: Vec::new(),
            runs: Vec::new(),
            capacity,
        }
    }

    pub fn add(&mut self, hash: u64, line: u64) -> Result<()> {
        self.buffer.push((hash, line));
        if self.buffer.len() >= self.capacity {
            self.spill()?;
        }
        Ok(())
    }

    fn spill(&mut self) -> Result<()> {
        self.buffer.sort_unstable();
        let mut file = tempfile::tempfile().map_err(io_error)?;
        {
            let mut out = BufWriter::new(&mut file);
            for (hash, line) in self.buffer.drain(..) {
                out.write_all(&hash.to_le_bytes()).map_err(io_error)?;
                out.write_all(&line.to_le_bytes()).map_err(io_error)?;
            }
            out.flush().map_err(io_error)?;
        }
        file.seek(SeekFrom::Start(0)).map_err(io_error)?;
        self.runs.push(file);
        Ok(())
    }

    /// Every line whose key hash appeared on an earlier line, by line.
    pub fn repeats(mut self) -> Result<Vec<Repeat>> {
        let mut repeats = Vec::new();
        let mut note = |group: &[(u64, u64)]| {
            if let Some(&(_, earliest)) = group.first() {
                repeats.extend(group[1..].iter().map(|&(_, line)| Repeat {
                    line,
                    earlier: earliest,
                }));
            }
        };
        if self.runs.is_empty() {
            self.buffer.sort_unstable();
            self.buffer.chunk_by(|a, b| a.0 == b.0).for_each(&mut note);
        } else {
            if !self.buffer.is_empty() {
                self.spill()?;
            }
            let mut readers: Vec<BufReader<File>> = self.runs.into_iter().map(BufReader::new).collect();
            let mut heap = BinaryHeap::new();
            for (run, reader) in readers.iter_mut().enumerate() {
                if let Some(entry) = next_entry(reader)? {
                    heap.push(Reverse((entry, run)));
                }
            }
            let mut group: Vec<(u64, u64)> = Vec::new();
            while let Some(Reverse((entry, run))) = heap.pop() {
                if group.first().is_some_and(|first| first.0 != entry.0) {
                    note(&group);
                    group.clear();
                }
                group.push(entry);
                if let Some(next) = next_entry(&mut readers[run])? {
                    heap.push(Reverse((next, run)));
                }
            }
            note(&group);
        }
        repeats.sort_unstable_by_key(|r| r.line);
        Ok(repeats)
    }
}

fn next_entry(reader: &mut BufReader<File>) -> Result<Option<(u64, u64)>> {
    let mut bytes = [0u8; 16];
    match reader.read_exact(&mut bytes) {
        Ok(()) => {
            let (hash, line) = bytes.split_at(8);
            let word = |b: &[u8]| b.try_into().map(u64::from_le_bytes).unwrap_or_default();
            Ok(Some((word(hash), word(line))))
        }
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(e) => Err(io_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repeats_of(keys: &[u64], capacity: usize) -> Vec<Repeat> {
        let mut ledger = KeyLedger::with_capacity(capacity);
        for (i, &key) in keys.iter().enumerate() {
            ledger.add(key, i as u64 + 2).unwrap();
        }
        ledger.repeats().unwrap()
    }

    #[test]
    fn repeats_in_memory_and_across_spilled_runs_agree() {
        // Lines 2..: keys 7, 3, 7, 9, 3, 7 -> line 4 repeats line 2, line 6 repeats 3, line 7 repeats 2.
        let keys = [7, 3, 7, 9, 3, 7];
        let expected = vec![
            Repeat { line: 4, earlier: 2 },
            Repeat { line: 6, earlier: 3 },
            Repeat { line: 7, earlier: 2 },
        ];
        assert_eq!(repeats_of(&keys, 1000), expected);
        for capacity in 1..=4 {
            assert_eq!(repeats_of(&keys, capacity), expected, "runs of {capacity}");
        }
        assert!(repeats_of(&[1, 2, 3, 4, 5], 2).is_empty());
        assert!(repeats_of(&[], 2).is_empty());
    }

    #[test]
    fn many_keys_over_many_runs() {
        // 10000 distinct keys, then key 5000 again at the end.
        let mut keys: Vec<u64> = (0..10_000u64)
            .map(|k| k.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        keys.push(5000u64.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        assert_eq!(
            repeats_of(&keys, 512),
            vec![Repeat {
                line: 10_002,
                earlier: 5002
            }]
        );
    }
}
