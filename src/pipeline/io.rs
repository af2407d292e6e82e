//! Opening inputs and creating outputs, with `.gz` / `.zst` by file name.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const BUF: usize = 1 << 20;

fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// Opens `path` for reading (`-` = standard input). `.gz` inputs (several
/// members allowed, as bgzip writes) and `.zst` inputs (several frames
/// allowed) are decompressed.
pub fn open_input(path: &Path) -> Result<Box<dyn Read + Send>> {
    if is_stdio(path) {
        return Ok(Box::new(io::stdin()));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let raw = BufReader::with_capacity(BUF, file);
    let reader: Box<dyn Read + Send> = if has_ext(path, "gz") {
        Box::new(flate2::read::MultiGzDecoder::new(raw))
    } else if has_ext(path, "zst") {
        Box::new(zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| Error::io(path, e))?)
    } else {
        Box::new(raw)
    };
    Ok(Box::new(Named {
        path: path.to_path_buf(),
        inner: reader,
    }))
}

/// Adds the file name to read errors (a corrupt gzip stream, say).
struct Named<R> {
    path: PathBuf,
    inner: R,
}

impl<R: Read> Read for Named<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), format!("reading {}: {e}", self.path.display())))
    }
}

/// An output stream: standard output or a file, compressed by its name.
/// Call [`OutputFile::finish`] to write the compression trailer.
pub enum OutputFile {
    /// Standard output.
    Stdout(BufWriter<io::Stdout>),
    /// A file written as is.
    Plain(PathBuf, BufWriter<File>),
    /// A `.gz` file.
    Gzip(PathBuf, flate2::write::GzEncoder<BufWriter<File>>),
    /// A `.zst` file.
    Zstd(
        PathBuf,
        zstd::stream::write::Encoder<'static, BufWriter<File>>,
    ),
}

impl OutputFile {
    /// `None` or `-` = standard output; `*.gz` gzip, `*.zst` zstd (level 3).
    pub fn create(path: Option<&Path>) -> Result<OutputFile> {
        let path = match path {
            None => {
                return Ok(OutputFile::Stdout(BufWriter::with_capacity(
                    BUF,
                    io::stdout(),
                )))
            }
            Some(p) if is_stdio(p) => {
                return Ok(OutputFile::Stdout(BufWriter::with_capacity(
                    BUF,
                    io::stdout(),
                )))
            }
            Some(p) => p,
        };
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        let w = BufWriter::with_capacity(BUF, file);
        let p = path.to_path_buf();
        Ok(if has_ext(path, "gz") {
            OutputFile::Gzip(
                p,
                flate2::write::GzEncoder::new(w, flate2::Compression::default()),
            )
        } else if has_ext(path, "zst") {
            let enc = zstd::stream::write::Encoder::new(w, 3).map_err(|e| Error::io(path, e))?;
            OutputFile::Zstd(p, enc)
        } else {
            OutputFile::Plain(p, w)
        })
    }

    fn name(&self) -> PathBuf {
        match self {
            OutputFile::Stdout(_) => PathBuf::from("(standard output)"),
            OutputFile::Plain(p, _) | OutputFile::Gzip(p, _) | OutputFile::Zstd(p, _) => p.clone(),
        }
    }

    /// Flushes and completes the stream.
    pub fn finish(self) -> Result<()> {
        let name = self.name();
        let r = match self {
            OutputFile::Stdout(mut w) => w.flush(),
            OutputFile::Plain(_, mut w) => w.flush(),
            OutputFile::Gzip(_, w) => w.finish().and_then(|mut w| w.flush()),
            OutputFile::Zstd(_, w) => w.finish().and_then(|mut w| w.flush()),
        };
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            r => r.map_err(|e| Error::io(name, e)),
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            OutputFile::Stdout(w) => w.write(buf),
            OutputFile::Plain(_, w) => w.write(buf),
            OutputFile::Gzip(_, w) => w.write(buf),
            OutputFile::Zstd(_, w) => w.write(buf),
        }
    }
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            OutputFile::Stdout(w) => w.write_vectored(bufs),
            OutputFile::Plain(_, w) => w.write_vectored(bufs),
            OutputFile::Gzip(_, w) => w.write_vectored(bufs),
            OutputFile::Zstd(_, w) => w.write_vectored(bufs),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            OutputFile::Stdout(w) => w.write_all(buf),
            OutputFile::Plain(_, w) => w.write_all(buf),
            OutputFile::Gzip(_, w) => w.write_all(buf),
            OutputFile::Zstd(_, w) => w.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            OutputFile::Stdout(w) => w.flush(),
            OutputFile::Plain(_, w) => w.flush(),
            OutputFile::Gzip(_, w) => w.flush(),
            OutputFile::Zstd(_, w) => w.flush(),
        }
    }
}

/// Writes every byte of `bufs` (`Write::write_all_vectored` is not stable yet).
pub(crate) fn write_all_vectored(
    w: &mut dyn Write,
    mut bufs: &mut [io::IoSlice<'_>],
) -> io::Result<()> {
    while !bufs.is_empty() {
        match w.write_vectored(bufs) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "failed to write whole buffer",
                ))
            }
            Ok(n) => io::IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
