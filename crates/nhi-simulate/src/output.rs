//! Where records go: S3-delivery-style CloudTrail files or one NDJSON file.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::ids;
use crate::record::Record;

/// Receives records in time order, one delivery batch (an hour) at a time.
pub trait EventSink {
    fn record(&mut self, at: i64, record: &Record) -> io::Result<()>;
    /// Ends a batch whose records all fall in the hour starting at `hour_start`.
    fn end_batch(&mut self, hour_start: i64) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;
}

/// Counts of what a sink wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub files: u64,
    pub bytes: u64,
}

/// An output file, compressed or not; `finish` must be called to complete a gzip stream.
enum Output {
    Plain(BufWriter<File>),
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

impl Output {
    fn open(path: &Path, gzip: bool) -> io::Result<Output> {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        Ok(if gzip {
            // Fast compression keeps generation bound by serialisation, not deflate.
            Output::Gzip(Box::new(GzEncoder::new(file, Compression::fast())))
        } else {
            Output::Plain(file)
        })
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Output::Plain(w) => w.write_all(bytes),
            Output::Gzip(w) => w.write_all(bytes),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Output::Plain(mut w) => w.flush(),
            Output::Gzip(w) => w.finish()?.flush(),
        }
    }
}

/// Writes `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16 chars>.json[.gz]`
/// files, each `{"Records":[...]}` for one account, region and hour.
///
/// Compression and file writes run on a second thread so that generation and deflate
/// overlap; file contents do not depend on it.
pub struct CloudTrailFiles {
    root: PathBuf,
    /// Names' unique strings come from their own stream so they do not disturb events.
    rng: ChaCha8Rng,
    gzip: bool,
    pending: BTreeMap<(String, String), Vec<u8>>,
    writer: Option<FileWriter>,
    pub stats: WriteStats,
}

struct FileWriter {
    queue: SyncSender<(PathBuf, Vec<u8>)>,
    workers: Vec<JoinHandle<io::Result<()>>>,
}

/// Deflate costs more than generating the records, so gzip output gets two writers.
const GZIP_WRITERS: usize = 2;

impl FileWriter {
    fn start(gzip: bool) -> FileWriter {
        // A short queue bounds memory while letting the writers fall a little behind.
        let (queue, files) = sync_channel::<(PathBuf, Vec<u8>)>(32);
        let files = Arc::new(Mutex::new(files));
        let count = if gzip { GZIP_WRITERS } else { 1 };
        let workers = (0..count)
            .map(|_| {
                let files = Arc::clone(&files);
                thread::spawn(move || {
                    loop {
                        let next = files
                            .lock()
                            .map_err(|_| io::Error::other("writer queue poisoned"))?
                            .recv();
                        let Ok((path, body)) = next else {
                            return Ok(());
                        };
                        let mut out = Output::open(&path, gzip)?;
                        out.write_all(b"{\"Records\":")?;
                        out.write_all(&body)?;
                        out.write_all(b"]}\n")?;
                        out.finish()?;
                    }
                })
            })
            .collect();
        FileWriter { queue, workers }
    }

    /// Waits for every queued file; returns the first write error.
    fn finish(self) -> io::Result<()> {
        drop(self.queue);
        let mut result = Ok(());
        for worker in self.workers {
            let outcome = worker
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("file writer thread panicked")));
            if result.is_ok() {
                result = outcome;
            }
        }
        result
    }
}

impl CloudTrailFiles {
    pub fn new(root: &Path, gzip: bool, seed: u64) -> Self {
        CloudTrailFiles {
            root: root.to_path_buf(),
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_F11E_5EED_F11E),
            gzip,
            pending: BTreeMap::new(),
            writer: Some(FileWriter::start(gzip)),
            stats: WriteStats::default(),
        }
    }

    fn writer_failed(&mut self) -> io::Error {
        match self.writer.take().map(FileWriter::finish) {
            Some(Err(err)) => err,
            _ => io::Error::other("file writer stopped"),
        }
    }
}

impl EventSink for CloudTrailFiles {
    fn record(&mut self, _at: i64, record: &Record) -> io::Result<()> {
        let key = (
            record.recipient_account_id.clone(),
            record.aws_region.clone(),
        );
        let buffer = self.pending.entry(key).or_default();
        buffer.push(if buffer.is_empty() { b'[' } else { b',' });
        serde_json::to_writer(&mut *buffer, record)?;
        Ok(())
    }

    fn end_batch(&mut self, hour_start: i64) -> io::Result<()> {
        use rand::Rng;
        let pending = std::mem::take(&mut self.pending);
        for ((account, region), body) in pending {
            // CloudTrail delivers a few minutes after the records it holds.
            let delivered = hour_start + 3600 + self.rng.random_range(60..600);
            let zoned = jiff::Timestamp::from_second(delivered)
                .expect("time in range")
                .to_zoned(jiff::tz::TimeZone::UTC);
            let dir = self
                .root
                .join("AWSLogs")
                .join(&account)
                .join("CloudTrail")
                .join(&region)
                .join(zoned.strftime("%Y").to_string())
                .join(zoned.strftime("%m").to_string())
                .join(zoned.strftime("%d").to_string());
            let name = format!(
                "{account}_CloudTrail_{region}_{}_{}.json{}",
                zoned.strftime("%Y%m%dT%H%MZ"),
                ids::alphanumeric(&mut self.rng, 16),
                if self.gzip { ".gz" } else { "" }
            );
            self.stats.files += 1;
            self.stats.bytes += body.len() as u64 + 15;
            let queue = match &self.writer {
                Some(writer) => writer.queue.clone(),
                None => return Err(io::Error::other("sink already finished")),
            };
            if queue.send((dir.join(name), body)).is_err() {
                return Err(self.writer_failed());
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.writer.take() {
            Some(writer) => writer.finish(),
            None => Ok(()),
        }
    }
}

/// One record per line in a single file, in time order.
pub struct NdjsonFile {
    out: Option<Output>,
    line: Vec<u8>,
    pub stats: WriteStats,
}

impl NdjsonFile {
    pub fn create(path: &Path, gzip: bool) -> io::Result<Self> {
        Ok(NdjsonFile {
            out: Some(Output::open(path, gzip)?),
            line: Vec::with_capacity(4096),
            stats: WriteStats { files: 1, bytes: 0 },
        })
    }
}

impl EventSink for NdjsonFile {
    fn record(&mut self, _at: i64, record: &Record) -> io::Result<()> {
        self.line.clear();
        serde_json::to_writer(&mut self.line, record)?;
        self.line.push(b'\n');
        self.stats.bytes += self.line.len() as u64;
        self.out
            .as_mut()
            .expect("sink not finished")
            .write_all(&self.line)
    }

    fn end_batch(&mut self, _hour_start: i64) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if let Some(out) = self.out.take() {
            out.finish()?;
        }
        Ok(())
    }
}

/// Keeps records in memory; for tests and for callers that feed detectors directly.
#[derive(Debug, Default)]
pub struct MemorySink {
    pub records: Vec<Record>,
    pub batches: usize,
}

impl EventSink for MemorySink {
    fn record(&mut self, _at: i64, record: &Record) -> io::Result<()> {
        self.records.push(record.clone());
        Ok(())
    }

    fn end_batch(&mut self, _hour_start: i64) -> io::Result<()> {
        self.batches += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}
