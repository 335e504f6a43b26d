//! Following growing logs: a file, or a directory whose files grow and appear.
//!
//! Poll-based, so it works the same on every platform and on network file systems.
//! Progress is a byte offset per file that only moves past complete lines, so a caller
//! that persists [`Follower::checkpoints`] after each poll and hands them back to
//! [`Follower::resume`] after a restart neither loses nor repeats an event.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nhi_model::ActivityEvent;
use serde::{Deserialize, Serialize};

use crate::error::{ReadWarning, WarningKind};
use crate::reader::{ReadOptions, collect_log_files, handle_line, read_stream};
use crate::record::Ctx;
use crate::stats::ReadStats;

const SNIFF_LIMIT: u64 = 64 * 1024;

/// How far a file has been read: every byte before `offset` has been turned into
/// events (or warnings). Persist it as the caller likes (it is serde-serialisable).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Checkpoint {
    pub path: PathBuf,
    pub offset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Not enough of the file seen yet to tell.
    Undecided,
    /// JSON lines: read line by line as they are completed.
    Lines,
    /// Gzip or a JSON document: read whole, once, when its size has stopped changing.
    WholeFile,
}

#[derive(Debug, Clone)]
struct Tracked {
    offset: u64,
    /// Lines before `offset`, for origins; counted lazily after a resume.
    lines_before_offset: Option<u64>,
    mode: Mode,
    size_at_last_poll: Option<u64>,
}

impl Tracked {
    fn at(offset: u64) -> Self {
        Tracked {
            offset,
            lines_before_offset: (offset == 0).then_some(0),
            mode: Mode::Undecided,
            size_at_last_poll: None,
        }
    }
}

/// Tails a file, or every log file in a directory (new files included).
///
/// Files are read from their start unless a checkpoint says otherwise. JSON lines
/// files are read as lines are completed (a partial last line waits for its newline);
/// gzip files and JSON documents are read once, whole, after their size has been the
/// same at two polls in a row, since they are written in one go.
#[derive(Debug)]
pub struct Follower {
    target: PathBuf,
    options: ReadOptions,
    interval: Duration,
    files: BTreeMap<PathBuf, Tracked>,
    stats: ReadStats,
    polls: u64,
}

impl Follower {
    /// Polls every second unless [`Follower::with_interval`] says otherwise.
    pub fn new(target: impl Into<PathBuf>, options: ReadOptions) -> Self {
        Follower {
            target: target.into(),
            options,
            interval: Duration::from_secs(1),
            files: BTreeMap::new(),
            stats: ReadStats::default(),
            polls: 0,
        }
    }

    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Continues from saved checkpoints: each file is read on from its offset.
    pub fn resume(&mut self, checkpoints: impl IntoIterator<Item = Checkpoint>) {
        for checkpoint in checkpoints {
            self.files
                .insert(checkpoint.path, Tracked::at(checkpoint.offset));
        }
    }

    /// Where every known file stands now; persist these after a poll.
    pub fn checkpoints(&self) -> Vec<Checkpoint> {
        self.files
            .iter()
            .map(|(path, tracked)| Checkpoint {
                path: path.clone(),
                offset: tracked.offset,
            })
            .collect()
    }

    /// Counts since this follower was made.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// Hands over the warnings kept so far and makes room for new ones.
    pub fn take_warnings(&mut self) -> Vec<ReadWarning> {
        std::mem::take(&mut self.stats.warnings)
    }

    /// Reads whatever is new once; returns the number of events delivered.
    pub fn poll(&mut self, emit: &mut impl FnMut(ActivityEvent)) -> u64 {
        let Follower {
            target,
            options,
            files,
            stats,
            polls,
            ..
        } = self;
        *polls += 1;
        let before = stats.total_events();
        let mut ctx = Ctx {
            options,
            stats,
            emit,
        };
        for path in discover(target, *polls == 1, &mut ctx) {
            let tracked = files.entry(path.clone()).or_insert_with(|| Tracked::at(0));
            poll_file(&path, tracked, &mut ctx);
        }
        stats.total_events() - before
    }

    /// Polls until `keep_going` (asked after every poll, with the follower so it can
    /// save checkpoints or look at a stop flag) returns false. A stop takes effect
    /// within one interval.
    pub fn run(
        &mut self,
        emit: &mut impl FnMut(ActivityEvent),
        mut keep_going: impl FnMut(&Follower) -> bool,
    ) {
        loop {
            self.poll(emit);
            if !keep_going(self) {
                return;
            }
            std::thread::sleep(self.interval);
        }
    }
}

impl Follower {
    /// Polls until `stop` is set (from another thread or a signal handler). The flag
    /// is checked at least every 100 ms, so a stop does not wait out a long interval;
    /// the poll under way finishes first, so no line is half-handled.
    pub fn run_until_stopped(&mut self, emit: &mut impl FnMut(ActivityEvent), stop: &AtomicBool) {
        const STOP_CHECK: Duration = Duration::from_millis(100);
        while !stop.load(Ordering::Relaxed) {
            self.poll(emit);
            let mut waited = Duration::ZERO;
            while waited < self.interval && !stop.load(Ordering::Relaxed) {
                let slice = STOP_CHECK.min(self.interval - waited);
                std::thread::sleep(slice);
                waited += slice;
            }
        }
    }
}

/// The files to look at this poll. Warnings from walking a directory are kept only on
/// the first poll, so an unreadable folder is reported once, not every second.
fn discover(target: &Path, first_poll: bool, ctx: &mut Ctx) -> Vec<PathBuf> {
    if !target.is_dir() {
        return vec![target.to_path_buf()];
    }
    let mut walk_stats = ReadStats::default();
    let mut files = Vec::new();
    {
        let mut walk_ctx = Ctx {
            options: ctx.options,
            stats: &mut walk_stats,
            emit: &mut *ctx.emit,
        };
        collect_log_files(target, &mut files, &mut walk_ctx);
    }
    if first_poll {
        for warning in walk_stats.warnings {
            ctx.warn(warning.location, warning.kind, warning.message);
        }
    }
    files
}

fn poll_file(path: &Path, tracked: &mut Tracked, ctx: &mut Ctx) {
    let name = path.display().to_string();
    // A missing file may be between rotation and re-creation: wait for it quietly.
    let Ok(metadata) = fs::metadata(path) else {
        return;
    };
    let size = metadata.len();
    if size < tracked.offset {
        ctx.warn(
            &name,
            WarningKind::Rotated,
            format!(
                "shrank from {} to {size} bytes; reading again from the start",
                tracked.offset
            ),
        );
        *tracked = Tracked::at(0);
    }
    if size == tracked.offset {
        return;
    }
    if tracked.mode == Mode::Undecided {
        match decide_mode(path, size, tracked) {
            Ok(mode) => tracked.mode = mode,
            Err(error) => {
                ctx.warn(&name, WarningKind::Unreadable, error.to_string());
                return;
            }
        }
    }
    let stable = tracked.size_at_last_poll == Some(size);
    tracked.size_at_last_poll = Some(size);
    match tracked.mode {
        Mode::Undecided => {}
        Mode::Lines => {
            if let Err(error) = read_new_lines(path, &name, size, tracked, ctx) {
                ctx.warn(
                    format!("{name}:byte {}", tracked.offset),
                    WarningKind::Unreadable,
                    error.to_string(),
                );
            }
        }
        // Already read once (offset > 0): such files do not grow in place; a changed
        // size is not read again, which would repeat its events.
        Mode::WholeFile if tracked.offset > 0 => tracked.offset = size,
        Mode::WholeFile if stable => {
            match File::open(path) {
                Ok(file) => {
                    ctx.stats.files += 1;
                    read_stream(file.take(size), &name, ctx);
                }
                Err(error) => ctx.warn(&name, WarningKind::Unreadable, error.to_string()),
            }
            tracked.offset = size;
        }
        Mode::WholeFile => {}
    }
}

/// Looks at the start of the file. A resumed JSON lines file is decided the same way,
/// from its first bytes, so a checkpoint alone never changes how a file is read.
fn decide_mode(path: &Path, size: u64, tracked: &Tracked) -> io::Result<Mode> {
    let mut head = Vec::new();
    File::open(path)?.take(SNIFF_LIMIT).read_to_end(&mut head)?;
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Mode::WholeFile);
    }
    let text = head
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&head);
    let Some(start) = text.iter().position(|byte| !byte.is_ascii_whitespace()) else {
        return Ok(Mode::Undecided);
    };
    match text[start] {
        b'[' => Ok(Mode::WholeFile),
        b'{' => match memchr::memchr(b'\n', &text[start..]) {
            Some(end) => {
                let first_line = &text[start..start + end];
                Ok(
                    if serde_json::from_slice::<serde::de::IgnoredAny>(first_line).is_ok() {
                        Mode::Lines
                    } else {
                        Mode::WholeFile
                    },
                )
            }
            // One line and no newline yet: a document written in one go once its
            // size holds still, or a first line still being written.
            None if tracked.size_at_last_poll == Some(size)
                && (size as usize) < SNIFF_LIMIT as usize =>
            {
                Ok(Mode::WholeFile)
            }
            None if text.len() as u64 >= SNIFF_LIMIT => Ok(Mode::WholeFile),
            None => Ok(Mode::Undecided),
        },
        _ => Ok(Mode::Lines),
    }
}

fn read_new_lines(
    path: &Path,
    name: &str,
    size: u64,
    tracked: &mut Tracked,
    ctx: &mut Ctx,
) -> io::Result<()> {
    let mut file = File::open(path)?;
    let mut lines = match tracked.lines_before_offset {
        Some(lines) => lines,
        None => {
            let lines = count_lines(&mut file, tracked.offset)?;
            tracked.lines_before_offset = Some(lines);
            lines
        }
    };
    file.seek(SeekFrom::Start(tracked.offset))?;
    // Only up to the size seen now: bytes appended meanwhile wait for the next poll.
    let mut reader = BufReader::with_capacity(64 * 1024, file.take(size - tracked.offset));
    let mut line = Vec::new();
    loop {
        line.clear();
        let count = reader.read_until(b'\n', &mut line)?;
        // Nothing more, or a line still being written: it stays for a later poll.
        if count == 0 || !line.ends_with(b"\n") {
            return Ok(());
        }
        lines += 1;
        handle_line(&line, name, lines, ctx);
        tracked.offset += count as u64;
        tracked.lines_before_offset = Some(lines);
    }
}

fn count_lines(file: &mut File, up_to: u64) -> io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::with_capacity(64 * 1024, (&mut *file).take(up_to));
    let mut lines = 0u64;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(lines);
        }
        lines += memchr::memchr_iter(b'\n', buffer).count() as u64;
        let consumed = buffer.len();
        reader.consume(consumed);
    }
}
