//! Reading whole files, directories and streams: gzip by magic bytes, then either line
//! by line (NDJSON, each line classified on its own) or as streamed JSON documents.

use std::fs;
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use nhi_model::ActivityEvent;
use serde::de::IgnoredAny;

use crate::error::{EventsError, WarningKind};
use crate::mapping::FieldMapping;
use crate::record::{Ctx, handle_record, is_wrapper, stream_document};
use crate::stats::ReadStats;

/// How much of a stream is looked at to decide between JSON lines and a JSON document.
/// A first line longer than this is treated as a document (a one-line S3 delivery file),
/// which is streamed, so it is never held whole.
const SNIFF_LIMIT: usize = 64 * 1024;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Options for every read.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Applied to JSON records of no known format (they become `json_lines` events
    /// instead of counted unknown records).
    pub mapping: Option<FieldMapping>,
    /// Apply `mapping` to every record, even ones of a known format.
    pub force_mapping: bool,
    /// Keep Kubernetes audit events of every stage, not only `ResponseComplete`/`Panic`.
    pub all_kubernetes_stages: bool,
    /// Warnings kept in [`ReadStats::warnings`]; the rest are only counted.
    pub max_warnings: usize,
    /// Asked about every CloudTrail record's raw JSON while it is still at hand (Sigma
    /// rules match raw field paths); its answers go into the event's `details` under
    /// [`RecordTagger::DETAIL_KEY`], comma-separated. The raw record itself never
    /// leaves the reader: it can hold session tokens.
    pub tagger: Option<std::sync::Arc<dyn RecordTagger>>,
}

/// Tags a raw CloudTrail record (for example with the IDs of the Sigma rules it
/// matches). See [`ReadOptions::tagger`].
pub trait RecordTagger: Send + Sync + std::fmt::Debug {
    fn tags(&self, record_json: &str) -> Vec<String>;
}

impl dyn RecordTagger {
    pub const DETAIL_KEY: &'static str = "tags";
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            mapping: None,
            force_mapping: false,
            all_kubernetes_stages: false,
            max_warnings: 1000,
            tagger: None,
        }
    }
}

/// Reads a log file, or every log file under a directory (recursively, in sorted path
/// order; hidden entries, `CloudTrail-Digest` folders and names not ending in `.json`,
/// `.jsonl`, `.ndjson`, `.log` or `.gz` are skipped). `-` reads standard input.
///
/// Only a `path` that cannot be read at all is an error; every problem inside the logs
/// is a warning in the returned stats, and reading goes on.
pub fn read_path(
    path: impl AsRef<Path>,
    options: &ReadOptions,
    emit: &mut impl FnMut(ActivityEvent),
) -> Result<ReadStats, EventsError> {
    let path = path.as_ref();
    if path == Path::new("-") {
        return Ok(read_reader(io::stdin().lock(), "-", options, emit));
    }
    let metadata = fs::metadata(path).map_err(|source| EventsError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut stats = ReadStats::default();
    let mut ctx = Ctx {
        options,
        stats: &mut stats,
        emit,
    };
    if metadata.is_dir() {
        let mut files = Vec::new();
        collect_log_files(path, &mut files, &mut ctx);
        for file in files {
            read_file(&file, &mut ctx);
        }
    } else {
        read_file(path, &mut ctx);
    }
    Ok(stats)
}

/// Reads one stream (standard input, a socket, bytes in memory). `name` stands for
/// the file in origins and warnings.
pub fn read_reader(
    reader: impl Read,
    name: &str,
    options: &ReadOptions,
    emit: &mut impl FnMut(ActivityEvent),
) -> ReadStats {
    // The stream counts as one file read, so `--stats` on standard input adds up.
    let mut stats = ReadStats {
        files: 1,
        ..ReadStats::default()
    };
    let mut ctx = Ctx {
        options,
        stats: &mut stats,
        emit,
    };
    read_stream(reader, name, &mut ctx);
    stats
}

/// Whether a directory entry's name says it may hold logs.
pub(crate) fn is_log_file_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [".json", ".jsonl", ".ndjson", ".log", ".gz"]
        .iter()
        .any(|extension| name.ends_with(extension))
}

pub(crate) fn collect_log_files(directory: &Path, files: &mut Vec<PathBuf>, ctx: &mut Ctx) {
    let entries = match fs::read_dir(directory) {
        Ok(entries) => entries,
        Err(error) => {
            ctx.warn(
                directory.display().to_string(),
                WarningKind::Unreadable,
                error.to_string(),
            );
            return;
        }
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => paths.push(entry.path()),
            Err(error) => ctx.warn(
                directory.display().to_string(),
                WarningKind::Unreadable,
                error.to_string(),
            ),
        }
    }
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        let Ok(link_metadata) = fs::symlink_metadata(&path) else {
            ctx.warn(
                path.display().to_string(),
                WarningKind::Unreadable,
                "cannot stat",
            );
            continue;
        };
        if link_metadata.is_dir() {
            // Digest files prove integrity; they hold no activity.
            if name != "CloudTrail-Digest" {
                collect_log_files(&path, files, ctx);
            }
            continue;
        }
        // Symbolic links to files are followed; links to directories are not, so a
        // link loop cannot make the walk endless. A broken link counts as a file so
        // that opening it reports the problem.
        let is_file = if link_metadata.file_type().is_symlink() {
            fs::metadata(&path).map_or(true, |metadata| metadata.is_file())
        } else {
            link_metadata.is_file()
        };
        if is_file && is_log_file_name(&name) {
            files.push(path);
        } else {
            ctx.stats.skipped_files += 1;
        }
    }
}

fn read_file(path: &Path, ctx: &mut Ctx) {
    match fs::File::open(path) {
        Ok(file) => {
            ctx.stats.files += 1;
            read_stream(file, &path.display().to_string(), ctx);
        }
        Err(error) => ctx.warn(
            path.display().to_string(),
            WarningKind::Unreadable,
            error.to_string(),
        ),
    }
}

/// Decompresses when the stream starts with the gzip magic, whatever its name.
pub(crate) fn read_stream(mut reader: impl Read, name: &str, ctx: &mut Ctx) {
    let mut head = [0u8; 2];
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                ctx.warn(
                    format!("{name}:byte 0"),
                    WarningKind::Unreadable,
                    error.to_string(),
                );
                return;
            }
        }
    }
    let whole = Cursor::new(head[..filled].to_vec()).chain(reader);
    if head[..filled] == GZIP_MAGIC {
        // A decoder that stops before the end of the compressed bytes without an
        // error (some deflate backends end a corrupt stream quietly) would lose the
        // rest of the file silently: watch for the end of the input ourselves.
        let reached_end = std::rc::Rc::new(std::cell::Cell::new(false));
        let watched = EndWatcher {
            inner: whole,
            reached_end: reached_end.clone(),
        };
        let problems_before = ctx.stats.problems();
        read_text(
            BufReader::with_capacity(SNIFF_LIMIT, MultiGzDecoder::new(watched)),
            name,
            true,
            ctx,
        );
        if !reached_end.get() && ctx.stats.problems() == problems_before {
            ctx.warn(
                name,
                WarningKind::CorruptGzip,
                "decompression stopped before the end of the file; what follows is lost",
            );
        }
    } else {
        read_text(
            BufReader::with_capacity(SNIFF_LIMIT, whole),
            name,
            false,
            ctx,
        );
    }
}

/// Remembers whether the wrapped reader was read to its end.
struct EndWatcher<R> {
    inner: R,
    reached_end: std::rc::Rc<std::cell::Cell<bool>>,
}

impl<R: Read> Read for EndWatcher<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.reached_end.set(true);
        }
        Ok(n)
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    strip_bom(bytes).iter().all(u8::is_ascii_whitespace)
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(bytes)
}

/// Line-by-line or document, decided from the first non-blank line.
fn read_text(mut reader: impl BufRead, name: &str, gzip: bool, ctx: &mut Ctx) {
    let mut prefix = Vec::new();
    let mut first_line_start = 0;
    let first_line_complete;
    let mut sniff_error = None;
    loop {
        let start = prefix.len();
        let limit = SNIFF_LIMIT.saturating_sub(start).max(1) as u64;
        match (&mut reader).take(limit).read_until(b'\n', &mut prefix) {
            Ok(0) => {
                first_line_complete = true;
                break;
            }
            Ok(count) => {
                first_line_start = start;
                let ends_line = prefix.ends_with(b"\n");
                if !is_blank(&prefix[start..]) || prefix.len() >= SNIFF_LIMIT {
                    // Short of the limit without a newline means the stream ended.
                    first_line_complete = ends_line || (count as u64) < limit;
                    break;
                }
            }
            Err(error) => {
                // What came before the failure is still read; the failure is reported
                // where the reading reaches it.
                sniff_error = Some(error);
                first_line_complete = false;
                break;
            }
        }
    }
    let first_line = strip_bom(&prefix[first_line_start..]);
    let Some(first_byte) = first_line
        .iter()
        .copied()
        .find(|byte| !byte.is_ascii_whitespace())
    else {
        return;
    };
    if prefix.starts_with(&[0xFF, 0xFE])
        || prefix.starts_with(&[0xFE, 0xFF])
        || first_line.get(1) == Some(&0)
    {
        ctx.warn(
            format!("{name}:byte 0"),
            WarningKind::Encoding,
            "UTF-16 text; only UTF-8 logs are read",
        );
        return;
    }
    let as_document = match first_byte {
        b'[' => true,
        b'{' => {
            !(first_line_complete && serde_json::from_slice::<IgnoredAny>(first_line).is_ok())
                || is_wrapper(first_line)
        }
        _ => false,
    };
    match sniff_error {
        None => read_as(
            Cursor::new(prefix).chain(reader),
            as_document,
            name,
            gzip,
            ctx,
        ),
        Some(error) => {
            let failing = BufReader::new(FailOnce(Some(error)));
            read_as(
                Cursor::new(prefix).chain(failing),
                as_document,
                name,
                gzip,
                ctx,
            );
        }
    }
}

fn read_as(reader: impl BufRead, as_document: bool, name: &str, gzip: bool, ctx: &mut Ctx) {
    if as_document {
        read_document(reader, name, gzip, ctx);
    } else {
        read_lines(reader, name, gzip, ctx);
    }
}

/// Replays a read error met while sniffing, after the bytes read before it.
struct FailOnce(Option<io::Error>);

impl Read for FailOnce {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(error) => Err(error),
            None => Ok(0),
        }
    }
}

fn read_lines(mut reader: impl BufRead, name: &str, gzip: bool, ctx: &mut Ctx) {
    let mut line = Vec::new();
    let mut line_number = 0u64;
    let mut offset = 0u64;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(count) => {
                line_number += 1;
                offset += count as u64;
                handle_line(&line, name, line_number, ctx);
            }
            Err(error) => {
                // A partial line before the failure is dropped: it cannot be trusted.
                let location = format!("{name}:{} (byte {offset})", line_number + 1);
                stream_failure(error, location, gzip, ctx);
                return;
            }
        }
    }
}

/// One line of JSON lines input.
pub(crate) fn handle_line(line: &[u8], name: &str, line_number: u64, ctx: &mut Ctx) {
    let line = strip_bom(line.trim_ascii());
    if line.is_empty() {
        return;
    }
    let origin = format!("{name}:{line_number}");
    match std::str::from_utf8(line) {
        Ok(text) => handle_record(text, origin, 0, ctx),
        Err(error) => ctx.warn(
            origin,
            WarningKind::Encoding,
            format!("not UTF-8 at byte {} of the line", error.valid_up_to()),
        ),
    }
}

fn read_document(reader: impl Read, name: &str, gzip: bool, ctx: &mut Ctx) {
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    let mut records = 0u64;
    loop {
        match deserializer.end() {
            Ok(()) => return,
            Err(error) if error.is_io() => {
                document_failure(error, name, records, gzip, ctx);
                return;
            }
            // More follows: another top-level value (or garbage, reported below).
            Err(_) => {}
        }
        if let Err(error) = stream_document(&mut deserializer, name, &mut records, ctx) {
            document_failure(error, name, records, gzip, ctx);
            return;
        }
    }
}

fn document_failure(error: serde_json::Error, name: &str, records: u64, gzip: bool, ctx: &mut Ctx) {
    let location = format!("{name}:{}:{}", error.line(), error.column());
    let after = format!("after record {records}");
    match error.io_error_kind() {
        Some(kind) => {
            let error = io::Error::new(kind, error.to_string());
            stream_failure(error, format!("{location} ({after})"), gzip, ctx);
        }
        None if error.is_eof() && gzip => ctx.warn(
            location,
            WarningKind::TruncatedGzip,
            format!("compressed document ends early, {after}"),
        ),
        None if error.is_eof() => ctx.warn(
            location,
            WarningKind::Malformed,
            format!("document ends early, {after}"),
        ),
        None => ctx.warn(
            location,
            WarningKind::Malformed,
            format!("{error}, {after}"),
        ),
    }
}

/// A read error: on a gzip stream an early end is a truncated file, other errors are
/// corrupt data; on a plain stream it is an unreadable file.
fn stream_failure(error: io::Error, location: String, gzip: bool, ctx: &mut Ctx) {
    let kind = match (gzip, error.kind()) {
        (true, io::ErrorKind::UnexpectedEof) => WarningKind::TruncatedGzip,
        (true, io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData) => {
            WarningKind::CorruptGzip
        }
        (false, io::ErrorKind::InvalidData) => WarningKind::Encoding,
        _ => WarningKind::Unreadable,
    };
    ctx.warn(location, kind, error.to_string());
}
