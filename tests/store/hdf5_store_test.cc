#include "store/hdf5_store.h"

#include <fcntl.h>
#include <hdf5.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <thread>
#include <typeinfo>

#include "core/error.h"
#include "store/internal/file_util.h"
#include "tests/store/test_util.h"

namespace cb {
namespace {

using ::testing::HasSubstr;
using testing::SampleRun;
using testing::SampleTable;

class Hdf5StoreTest : public testing::ScratchDirTest {};

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFileBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Runs `body` and returns the message of the cb::IoError it throws ("" if none).
template <typename F>
std::string IoErrorMessage(F&& body) {
  try {
    body();
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

// Hidden temp files the writer left next to `path`.
std::vector<std::string> TempFilesNextTo(const std::string& path) {
  const std::filesystem::path p(path);
  const std::string prefix = "." + p.filename().string() + ".";
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(p.parent_path())) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".tmp") out.push_back(name);
  }
  return out;
}

void ExpectTablesEqual(const Table& expected, const Table& actual) {
  EXPECT_EQ(expected.name(), actual.name());
  EXPECT_EQ(expected.description(), actual.description());
  ASSERT_EQ(expected.columns().size(), actual.columns().size());
  for (size_t c = 0; c < expected.columns().size(); ++c) {
    EXPECT_EQ(expected.columns()[c].name, actual.columns()[c].name);
    EXPECT_EQ(expected.columns()[c].type, actual.columns()[c].type) << expected.columns()[c].name;
    EXPECT_EQ(expected.columns()[c].units, actual.columns()[c].units);
    EXPECT_EQ(expected.columns()[c].description, actual.columns()[c].description);
  }
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t r = 0; r < expected.size(); ++r) {
    for (size_t c = 0; c < expected.columns().size(); ++c) {
      const Cell& e = expected.rows()[r][c];
      const Cell& a = actual.rows()[r][c];
      ASSERT_EQ(e.index(), a.index()) << "row " << r << " column " << c;
      if (const auto* d = std::get_if<double>(&e); d && std::isnan(*d)) {
        EXPECT_TRUE(std::isnan(std::get<double>(a)));
      } else if (d) {
        // Bit-exact, so -0.0 and subnormals survive too.
        EXPECT_EQ(std::signbit(*d), std::signbit(std::get<double>(a)));
        EXPECT_EQ(*d, std::get<double>(a)) << "row " << r << " column " << c;
      } else {
        EXPECT_EQ(e, a) << "row " << r << " column " << c;
      }
    }
  }
}

void ExpectRunInfoEqual(const RunInfo& e, const RunInfo& a) {
  EXPECT_EQ(e.id, a.id);
  EXPECT_EQ(e.kind, a.kind);
  EXPECT_EQ(e.status, a.status);
  EXPECT_EQ(e.start_time, a.start_time);
  EXPECT_EQ(e.tool_version, a.tool_version);
  EXPECT_EQ(e.git_revision, a.git_revision);
  EXPECT_EQ(e.command_line, a.command_line);
  EXPECT_EQ(e.hosts, a.hosts);
  EXPECT_EQ(e.rank_count, a.rank_count);
  EXPECT_EQ(e.config_yaml, a.config_yaml);
  EXPECT_EQ(e.environment, a.environment);
  EXPECT_EQ(e.message, a.message);
}

// Every column type with its edge values, including strings HDF5 and h5py
// must carry unchanged (multi-byte UTF-8, separators, an empty string).
Table EdgeValueTable() {
  Table t("edges", "edge values of every type",
          {{"i", ColumnType::kInt64, "B", "an integer"},
           {"x", ColumnType::kFloat64, "B/s", "a double"},
           {"s", ColumnType::kString, "", "a string"}});
  const double inf = std::numeric_limits<double>::infinity();
  t.AddRow({std::numeric_limits<int64_t>::min(), -0.0, std::string("")});
  t.AddRow({std::numeric_limits<int64_t>::max(), inf, std::string("µs — 日本語 🚀")});
  t.AddRow({int64_t{0}, -inf, std::string("comma, \"quote\"\nnew line\ttab")});
  t.AddRow({int64_t{-1}, std::numeric_limits<double>::quiet_NaN(), std::string("plain")});
  t.AddRow({int64_t{42}, std::numeric_limits<double>::denorm_min(), std::string(1000, 'x')});
  t.AddRow({int64_t{7}, 0.1, std::string("Ωmega")});
  return t;
}

TEST_F(Hdf5StoreTest, RoundTripsEveryColumnTypeAndAnEmptyTable) {
  const std::string path = PathIn("r.h5");
  const Table edges = EdgeValueTable();
  const Table empty("empty", "no rows yet",
                    {{"n", ColumnType::kInt64, "1", "count"}, {"name", ColumnType::kString, "", "label"}});
  {
    Hdf5Writer writer(path);
    writer.BeginRun(SampleRun("run-1"));
    writer.WriteTable(edges);
    writer.WriteTable(empty);
    writer.EndRun(RunStatus::kComplete, "");
  }
  Hdf5Reader reader(path);
  ExpectTablesEqual(edges, reader.ReadTable("run-1", "edges"));
  const Table read_empty = reader.ReadTable("run-1", "empty");
  ExpectTablesEqual(empty, read_empty);
  EXPECT_EQ(read_empty.size(), 0u);
}

TEST_F(Hdf5StoreTest, RoundTripsRunInfoAndMarksTheRunComplete) {
  const std::string path = PathIn("r.h5");
  RunInfo full = SampleRun("run-full");
  full.config_yaml = "a: 1\nb:\n  - x\n  - \"ü\"\n";
  full.environment["OMPI_MCA_btl"] = "self,tcp";
  full.environment["CB_ODD"] = "value=with=equals\nand a newline";
  RunInfo bare;  // only what BeginRun requires
  bare.id = "run-bare";
  bare.start_time = "2026-01-02T03:04:06.000Z";
  {
    Hdf5Writer writer(path);
    writer.BeginRun(full);
    writer.EndRun(RunStatus::kComplete, "");
    writer.BeginRun(bare);
    writer.EndRun(RunStatus::kFailed, "GPU 3 fell off the bus");
  }
  Hdf5Reader reader(path);
  EXPECT_EQ(reader.SchemaVersion(), 1);
  RunInfo expected = full;
  expected.status = RunStatus::kComplete;
  const RunInfo got = reader.Run("run-full");
  ExpectRunInfoEqual(expected, got);
  EXPECT_FALSE(got.end_time.empty());

  RunInfo expected_bare = bare;
  expected_bare.status = RunStatus::kFailed;
  expected_bare.message = "GPU 3 fell off the bus";
  ExpectRunInfoEqual(expected_bare, reader.Run("run-bare"));
}

TEST_F(Hdf5StoreTest, StatusGoesFromRunningToTheFinalStatus) {
  const std::string path = PathIn("s.h5");
  Hdf5Writer writer(path);
  writer.BeginRun(SampleRun("a"));
  {
    // A reader during the run sees it running, with no end time yet.
    const RunInfo during = Hdf5Reader(path).Run("a");
    EXPECT_EQ(during.status, RunStatus::kRunning);
    EXPECT_EQ(during.end_time, "");
  }
  writer.WriteTable(SampleTable("t"));
  writer.EndRun(RunStatus::kInterrupted, "SIGINT after 3 of 5 sizes");
  const RunInfo after = Hdf5Reader(path).Run("a");
  EXPECT_EQ(after.status, RunStatus::kInterrupted);
  EXPECT_EQ(after.message, "SIGINT after 3 of 5 sizes");
  EXPECT_GE(after.end_time, after.start_time);
  EXPECT_EQ(writer.current_run_id(), std::nullopt);
}

TEST_F(Hdf5StoreTest, AppendsManyRunsAndListsThemByStartTime) {
  const std::string path = PathIn("many.h5");
  // Start times deliberately out of id order: Runs() sorts by start time.
  constexpr int kRuns = 12;
  for (int i = 0; i < kRuns; ++i) {
    Hdf5Writer writer(path);  // a new writer (process) per run, as the CLI does
    const int minute = (i * 7) % kRuns;
    writer.BeginRun(SampleRun(fmt::format("run-{:02d}", i), fmt::format("2026-01-01T00:{:02d}:00.000Z", minute)));
    writer.WriteTable(SampleTable("gemm", i));
    writer.EndRun(RunStatus::kComplete, "");
  }
  Hdf5Reader reader(path);
  const std::vector<RunInfo> runs = reader.Runs();
  ASSERT_EQ(runs.size(), static_cast<size_t>(kRuns));
  for (size_t i = 1; i < runs.size(); ++i) EXPECT_LT(runs[i - 1].start_time, runs[i].start_time);
  for (int i = 0; i < kRuns; ++i) {
    EXPECT_EQ(reader.ReadTable(fmt::format("run-{:02d}", i), "gemm").size(), static_cast<size_t>(i));
  }
}

TEST_F(Hdf5StoreTest, ListsTablesInTheOrderTheyWereWritten) {
  const std::string path = PathIn("o.h5");
  Hdf5Writer writer(path);
  writer.BeginRun(SampleRun("r"));
  for (const char* name : {"zeta", "alpha", "mu"}) writer.WriteTable(SampleTable(name));
  writer.EndRun(RunStatus::kComplete, "");
  EXPECT_EQ(Hdf5Reader(path).TableNames("r"), (std::vector<std::string>{"zeta", "alpha", "mu"}));
}

TEST_F(Hdf5StoreTest, RejectsMisuseWithoutDamagingTheFile) {
  const std::string path = PathIn("m.h5");
  Hdf5Writer writer(path);
  EXPECT_THROW(writer.WriteTable(SampleTable("t")), RuntimeError);  // no run yet
  EXPECT_THROW(writer.EndRun(RunStatus::kComplete, ""), RuntimeError);
  RunInfo no_id = SampleRun("");
  EXPECT_THROW(writer.BeginRun(no_id), RuntimeError);
  EXPECT_THROW(writer.BeginRun(SampleRun("a/b")), RuntimeError);

  writer.BeginRun(SampleRun("r1"));
  EXPECT_THROW(writer.BeginRun(SampleRun("r2")), RuntimeError);  // r1 still in progress
  writer.WriteTable(SampleTable("t"));
  EXPECT_THROW(writer.WriteTable(SampleTable("t")), RuntimeError);  // once per run
  EXPECT_THROW(writer.WriteTable(Table("none", "no columns", {})), RuntimeError);
  EXPECT_THROW(
      writer.WriteTable(Table("dup", "", {{"a", ColumnType::kInt64, "", ""}, {"a", ColumnType::kFloat64, "", ""}})),
      RuntimeError);
  EXPECT_THROW(writer.EndRun(RunStatus::kRunning, ""), RuntimeError);
  writer.EndRun(RunStatus::kComplete, "");

  // The same id again names an existing run: refused, file unchanged.
  const std::string before = ReadFileBytes(path);
  const std::string message = IoErrorMessage([&] { writer.BeginRun(SampleRun("r1")); });
  EXPECT_THAT(message, HasSubstr("already has a run 'r1'"));
  EXPECT_EQ(ReadFileBytes(path), before);
  EXPECT_EQ(writer.current_run_id(), std::nullopt);

  Hdf5Reader reader(path);
  ASSERT_EQ(reader.Runs().size(), 1u);
  EXPECT_EQ(reader.TableNames("r1"), std::vector<std::string>{"t"});
  EXPECT_TRUE(TempFilesNextTo(path).empty());
}

TEST_F(Hdf5StoreTest, DestroyingTheWriterMidRunMarksTheRunFailed) {
  const std::string path = PathIn("d.h5");
  {
    Hdf5Writer writer(path);
    writer.BeginRun(SampleRun("r"));
    writer.WriteTable(SampleTable("t"));
  }
  const RunInfo run = Hdf5Reader(path).Run("r");
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_THAT(run.message, HasSubstr("before the run ended"));
}

TEST_F(Hdf5StoreTest, UnknownRunOrTableErrorsListWhatExists) {
  const std::string path = PathIn("u.h5");
  {
    Hdf5Writer writer(path);
    writer.BeginRun(SampleRun("alpha"));
    writer.WriteTable(SampleTable("gemm"));
    writer.WriteTable(SampleTable("stream"));
    writer.EndRun(RunStatus::kComplete, "");
  }
  Hdf5Reader reader(path);
  std::string message = IoErrorMessage([&] { reader.Run("beta"); });
  EXPECT_THAT(message, HasSubstr("no run 'beta'"));
  EXPECT_THAT(message, HasSubstr("alpha"));
  message = IoErrorMessage([&] { reader.ReadTable("alpha", "hbm"); });
  EXPECT_THAT(message, HasSubstr("no table 'hbm'"));
  EXPECT_THAT(message, HasSubstr("gemm, stream"));
  EXPECT_THAT(IoErrorMessage([&] { reader.TableNames("../x"); }), HasSubstr("no run '../x'"));
}

TEST_F(Hdf5StoreTest, RepairsInvalidUtf8SoEveryReaderCanDecodeIt) {
  const std::string path = PathIn("u8.h5");
  Table t("t", "bad \xff byte", {{"s", ColumnType::kString, "", ""}});
  t.AddRow({std::string("a\xc3(b")});  // truncated two-byte sequence
  RunInfo run = SampleRun("r");
  run.command_line = "clusterbench \xfe";
  {
    Hdf5Writer writer(path);
    writer.BeginRun(run);
    writer.WriteTable(t);
    writer.EndRun(RunStatus::kComplete, "");
  }
  Hdf5Reader reader(path);
  EXPECT_EQ(reader.Run("r").command_line, "clusterbench \xEF\xBF\xBD");
  const Table got = reader.ReadTable("r", "t");
  EXPECT_EQ(got.description(), "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(std::get<std::string>(got.rows()[0][0]), "a\xEF\xBF\xBD(b");
}

TEST_F(Hdf5StoreTest, LibraryVersionIsReported) {
  const std::string version = Hdf5LibraryVersion();
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  EXPECT_EQ(version, fmt::format("{}.{}.{}", major, minor, release));
  EXPECT_EQ(version.rfind("1.", 0), 0u) << version;
}

// --- Files that are not what they should be --------------------------------------

TEST_F(Hdf5StoreTest, ReaderExplainsMissingDirectoryAndNonHdf5Files) {
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Reader r(PathIn("missing.h5")); }), HasSubstr("no such file"));
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Reader r(dir_.string()); }), HasSubstr("is a directory"));

  const std::string text = PathIn("notes.txt");
  WriteFileBytes(text, "these are not the results you are looking for\n");
  std::string message = IoErrorMessage([&] { Hdf5Reader r(text); });
  EXPECT_THAT(message, HasSubstr("not an HDF5 file"));
  EXPECT_THAT(message, HasSubstr(text));

  const std::string empty = PathIn("empty.h5");
  WriteFileBytes(empty, "");
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Reader r(empty); }), HasSubstr("not an HDF5 file"));
}

TEST_F(Hdf5StoreTest, ReaderReportsATruncatedFile) {
  const std::string path = PathIn("t.h5");
  {
    Hdf5Writer writer(path);
    writer.BeginRun(SampleRun("r"));
    writer.WriteTable(SampleTable("t", 200));
    writer.EndRun(RunStatus::kComplete, "");
  }
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  const std::string message = IoErrorMessage([&] { Hdf5Reader r(path); });
  EXPECT_THAT(message, HasSubstr("truncated or corrupt"));
  EXPECT_THAT(message, HasSubstr(path));
}

// Byte-flip fuzz (issue 15): 300 seeded copies of a three-run file, each with
// 1-8 random bytes overwritten. Reading every run and table must either
// succeed or raise IoError naming the file: never crash (libhdf5 segfaults
// on some of these bytes; the reader isolates that in a forked probe) and
// never throw anything else. Runs under the sanitizer build too.
TEST_F(Hdf5StoreTest, ByteFlippedFilesNeverCrashTheReader) {
  const std::string path = PathIn("good.h5");
  for (const char* id : {"a", "b", "c"}) {
    Hdf5Writer writer(path);
    writer.BeginRun(SampleRun(id));
    writer.WriteTable(EdgeValueTable());
    writer.WriteTable(SampleTable("t", 20));
    writer.EndRun(RunStatus::kComplete, "");
  }
  const std::string good = ReadFileBytes(path);
  ASSERT_GT(good.size(), 1000u);
  std::mt19937_64 rng(20261205);
  int read_fine = 0, refused = 0;
  const std::string bad = PathIn("bad.h5");
  for (int c = 0; c < 300; ++c) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    WriteFileBytes(bad, bytes);
    try {
      Hdf5Reader reader(bad);
      for (const RunInfo& run : reader.Runs()) {
        for (const std::string& table : reader.TableNames(run.id)) reader.ReadTable(run.id, table);
      }
      ++read_fine;
    } catch (const IoError& e) {
      EXPECT_THAT(e.what(), HasSubstr(bad)) << "case " << c;
      ++refused;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "case " << c << ": " << typeid(e).name() << ": " << e.what();
    }
  }
  EXPECT_EQ(read_fine + refused, 300);
  EXPECT_GT(refused, 0);  // the flips do damage: some copies must be refused
  std::printf("byte-flip fuzz: %d read, %d refused with IoError\n", read_fine, refused);
}

TEST_F(Hdf5StoreTest, ReaderRejectsForeignAndNewerHdf5Files) {
  const std::string foreign = PathIn("foreign.h5");
  {
    hid_t f = H5Fcreate(foreign.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    H5Fclose(f);
  }
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Reader r(foreign); }), HasSubstr("not a clusterbench results file"));
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Writer w(foreign); }), HasSubstr("not a clusterbench results file"));

  // A file from a future clusterbench: schema_version 2.
  const std::string newer = PathIn("newer.h5");
  {
    Hdf5Writer writer(newer);
    writer.BeginRun(SampleRun("r"));
    writer.EndRun(RunStatus::kComplete, "");
  }
  {
    hid_t f = H5Fopen(newer.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    hid_t attr = H5Aopen(f, "schema_version", H5P_DEFAULT);
    const int version = 2;
    ASSERT_GE(H5Awrite(attr, H5T_NATIVE_INT, &version), 0);
    H5Aclose(attr);
    H5Fclose(f);
  }
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Reader r(newer); }), HasSubstr("newer"));
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Writer w(newer); }), HasSubstr("newer"));
}

TEST_F(Hdf5StoreTest, WriterNeverOverwritesAFileThatIsNotAResultsFile) {
  const std::string path = PathIn("precious.txt");
  const std::string content = "a thesis, unsaved elsewhere\n";
  WriteFileBytes(path, content);
  std::string message = IoErrorMessage([&] { Hdf5Writer w(path); });
  EXPECT_THAT(message, HasSubstr("not an HDF5 file"));
  EXPECT_THAT(message, HasSubstr(path));

  // The same when the file appears after the writer was created.
  const std::string later = PathIn("later.h5");
  Hdf5Writer writer(later);
  WriteFileBytes(later, content);
  message = IoErrorMessage([&] { writer.BeginRun(SampleRun("r")); });
  EXPECT_THAT(message, HasSubstr("not an HDF5 file"));
  EXPECT_EQ(ReadFileBytes(path), content);
  EXPECT_EQ(ReadFileBytes(later), content);
  EXPECT_TRUE(TempFilesNextTo(later).empty());
}

TEST_F(Hdf5StoreTest, WriterRejectsDirectoriesAndMissingOrBogusParents) {
  std::string message = IoErrorMessage([&] { Hdf5Writer w(dir_.string()); });
  EXPECT_THAT(message, HasSubstr("is a directory"));

  const std::string missing_parent = PathIn("no/such/dir/out.h5");
  message = IoErrorMessage([&] { Hdf5Writer w(missing_parent); });
  EXPECT_THAT(message, HasSubstr("does not exist"));
  EXPECT_THAT(message, HasSubstr(missing_parent));

  // Tests run as root, where chmod cannot make a directory unwritable; a
  // parent that is a regular file is unwritable for everyone.
  const std::string file = PathIn("plain");
  WriteFileBytes(file, "x");
  const std::string under_file = file + "/out.h5";
  message = IoErrorMessage([&] { Hdf5Writer w(under_file); });
  EXPECT_THAT(message, HasSubstr(under_file));
  EXPECT_THAT(message, HasSubstr("is not a directory"));
}

// A results file nobody may write (chmod a-w, mode 0444) is refused for
// appending, at construction and at every commit, even for root: access(2)
// says "writable" to root whatever the mode, and the copy-and-rename commit
// would replace the file through its directory. The file is left unchanged.
TEST_F(Hdf5StoreTest, WriterRefusesAReadOnlyFileEvenAsRoot) {
  const std::string path = PathIn("ro.h5");
  {
    Hdf5Writer writer(path);
    writer.BeginRun(SampleRun("r1"));
    writer.EndRun(RunStatus::kComplete, "");
  }
  const std::string before = ReadFileBytes(path);
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  std::string message = IoErrorMessage([&] { Hdf5Writer w(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("is read-only (mode 0444"));

  // Made read-only after the writer was created: the commit refuses.
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  Hdf5Writer writer(path);
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  message = IoErrorMessage([&] { writer.BeginRun(SampleRun("r2")); });
  EXPECT_THAT(message, HasSubstr("is read-only"));
  EXPECT_EQ(ReadFileBytes(path), before);
  EXPECT_TRUE(TempFilesNextTo(path).empty());

  // One write bit (for anyone) is enough for the mode check; access(2) then decides.
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  EXPECT_NO_THROW(Hdf5Writer{path});
}

// A FIFO, a device or a symbolic-link loop is named for what it is; the
// reader never opens a FIFO (it would wait for a writer forever).
TEST_F(Hdf5StoreTest, ReaderNamesFifosDevicesAndSymlinkLoops) {
  const std::string fifo = PathIn("fifo.h5");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Reader r(fifo); }), HasSubstr("is not a regular file (a FIFO)"));
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Reader r("/dev/zero"); }),
              HasSubstr("is not a regular file (a character device)"));
  std::filesystem::create_symlink("b.h5", PathIn("a.h5"));
  std::filesystem::create_symlink("a.h5", PathIn("b.h5"));
  EXPECT_THAT(IoErrorMessage([&] { Hdf5Reader r(PathIn("a.h5")); }), HasSubstr("too many levels of symbolic links"));
}

TEST_F(Hdf5StoreTest, WritesThroughASymbolicLink) {
  const std::string target = PathIn("real.h5");
  const std::string link = PathIn("link.h5");
  std::filesystem::create_symlink(target, link);
  Hdf5Writer writer(link);
  writer.BeginRun(SampleRun("r"));
  writer.EndRun(RunStatus::kComplete, "");
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_EQ(Hdf5Reader(target).Runs().size(), 1u);
}

// --- Locking ------------------------------------------------------------------------

TEST_F(Hdf5StoreTest, GivesUpWithALockedErrorAfterTheTimeout) {
  const std::string path = PathIn("l.h5");
  Hdf5Writer writer(path, std::chrono::milliseconds(200));
  // Another writer's commit in progress: flock conflicts between separate
  // open() calls even inside one process.
  const int fd = open((path + ".lock").c_str(), O_RDWR | O_CREAT, 0666);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  const auto start = std::chrono::steady_clock::now();
  const std::string message = IoErrorMessage([&] { writer.BeginRun(SampleRun("r")); });
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_THAT(message, HasSubstr("locked"));
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_GE(waited, 0.2);
  EXPECT_LT(waited, 5.0);
  EXPECT_FALSE(std::filesystem::exists(path));

  // Once the other writer is done, the same writer proceeds.
  close(fd);
  writer.BeginRun(SampleRun("r"));
  writer.EndRun(RunStatus::kComplete, "");
  EXPECT_EQ(Hdf5Reader(path).Runs().size(), 1u);
}

TEST_F(Hdf5StoreTest, WaitsForAWriterThatReleasesTheLockInTime) {
  const std::string path = PathIn("w.h5");
  Hdf5Writer writer(path, std::chrono::seconds(10));
  const int fd = open((path + ".lock").c_str(), O_RDWR | O_CREAT, 0666);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  std::thread release([fd] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    close(fd);
  });
  writer.BeginRun(SampleRun("r"));  // blocks ~100 ms, then succeeds
  release.join();
  writer.EndRun(RunStatus::kComplete, "");
  EXPECT_EQ(Hdf5Reader(path).Run("r").status, RunStatus::kComplete);
}

// Exit codes of forked writer processes.
constexpr int kChildOk = 0;
constexpr int kChildLocked = 2;
constexpr int kChildFailed = 3;

TEST_F(Hdf5StoreTest, ConcurrentWritersBothKeepAllTheirRuns) {
  // Three processes append 5 runs each to one file at the same time. With the
  // lock every commit sees the previous one, so all 15 runs must be there
  // (a child may only fail with a clear "locked" error, never lose a run).
  const std::string path = PathIn("c.h5");
  constexpr int kChildren = 3;
  constexpr int kRunsEach = 5;
  std::vector<pid_t> pids;
  for (int c = 0; c < kChildren; ++c) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = kChildOk;
      try {
        Hdf5Writer writer(path);
        for (int r = 0; r < kRunsEach; ++r) {
          writer.BeginRun(SampleRun(fmt::format("child{}-run{}", c, r)));
          writer.WriteTable(SampleTable("t", r + 1));
          writer.EndRun(RunStatus::kComplete, "");
        }
      } catch (const IoError& e) {
        code = std::string(e.what()).find("locked") != std::string::npos ? kChildLocked : kChildFailed;
        fprintf(stderr, "child %d: %s\n", c, e.what());
      } catch (const std::exception& e) {
        code = kChildFailed;
        fprintf(stderr, "child %d: %s\n", c, e.what());
      }
      _exit(code);
    }
    pids.push_back(pid);
  }
  std::vector<int> codes;
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    codes.push_back(WEXITSTATUS(status));
  }
  Hdf5Reader reader(path);
  const std::vector<RunInfo> runs = reader.Runs();
  for (const RunInfo& run : runs) {
    EXPECT_EQ(run.status, RunStatus::kComplete) << run.id;
    for (const std::string& t : reader.TableNames(run.id)) reader.ReadTable(run.id, t);
  }
  size_t expected = 0;
  for (int c = 0; c < kChildren; ++c) {
    EXPECT_TRUE(codes[c] == kChildOk || codes[c] == kChildLocked) << "child " << c << " exit " << codes[c];
    if (codes[c] != kChildOk) continue;
    expected += kRunsEach;
    for (int r = 0; r < kRunsEach; ++r) {
      EXPECT_EQ(reader.ReadTable(fmt::format("child{}-run{}", c, r), "t").size(), static_cast<size_t>(r + 1));
    }
  }
  EXPECT_GE(runs.size(), expected);
  EXPECT_TRUE(TempFilesNextTo(path).empty());
}

// --- Crash safety ----------------------------------------------------------------------

TEST_F(Hdf5StoreTest, SigkillDuringCommitsNeverLosesEarlierRuns) {
  // A child finishes run 1, starts run 2 with one table, tells us, then
  // commits tables as fast as it can; we SIGKILL it 0-20 ms later, i.e. at
  // random points of a commit (copy, HDF5 writes, fsync, rename). Each time
  // the file must open, run 1 must read back complete, and run 2 must hold
  // at least its first table, every table intact.
  std::mt19937 rng(20261125);
  for (int trial = 0; trial < 6; ++trial) {
    const std::string path = PathIn(fmt::format("kill{}.h5", trial));
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(pipe_fds[0]);
      try {
        Hdf5Writer writer(path);
        writer.BeginRun(SampleRun("run-1"));
        writer.WriteTable(SampleTable("gemm"));
        writer.EndRun(RunStatus::kComplete, "");
        writer.BeginRun(SampleRun("run-2"));
        writer.WriteTable(SampleTable("first"));
        const char ready = 'r';
        if (write(pipe_fds[1], &ready, 1) != 1) _exit(kChildFailed);
        for (int i = 0;; ++i) writer.WriteTable(SampleTable(fmt::format("t{}", i), 20));
      } catch (const std::exception& e) {
        fprintf(stderr, "child: %s\n", e.what());
      }
      _exit(kChildFailed);
    }
    close(pipe_fds[1]);
    char ready = 0;
    ASSERT_EQ(read(pipe_fds[0], &ready, 1), 1) << "child died before run 2 began";
    close(pipe_fds[0]);
    const int delay_us = trial * 3000 + std::uniform_int_distribution<int>(0, 3000)(rng);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own with " << WEXITSTATUS(status);

    Hdf5Reader reader(path);
    const RunInfo run1 = reader.Run("run-1");
    EXPECT_EQ(run1.status, RunStatus::kComplete);
    ExpectTablesEqual(SampleTable("gemm"), reader.ReadTable("run-1", "gemm"));
    EXPECT_EQ(reader.Run("run-2").status, RunStatus::kRunning);
    const std::vector<std::string> tables = reader.TableNames("run-2");
    ASSERT_GE(tables.size(), 1u);
    EXPECT_EQ(tables.front(), "first");
    for (const std::string& t : tables) EXPECT_NO_THROW(reader.ReadTable("run-2", t)) << t;

    // The next writer cleans up what the dead one left and appends normally.
    Hdf5Writer next(path);
    next.BeginRun(SampleRun("run-3"));
    next.EndRun(RunStatus::kComplete, "");
    EXPECT_TRUE(TempFilesNextTo(path).empty());
    EXPECT_EQ(Hdf5Reader(path).Runs().size(), 3u);
  }
}

TEST_F(Hdf5StoreTest, SigkillAtAnyMomentLeavesNoFileOrAReadableOne) {
  // No handshake: the kill may land before the file exists, while it is
  // created, or during any later commit of a stream of short runs.
  std::mt19937 rng(7);
  for (int trial = 0; trial < 6; ++trial) {
    const std::string path = PathIn(fmt::format("any{}.h5", trial));
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        Hdf5Writer writer(path);
        for (int i = 0;; ++i) {
          writer.BeginRun(SampleRun(fmt::format("run-{:04d}", i)));
          writer.WriteTable(SampleTable("t"));
          writer.EndRun(RunStatus::kComplete, "");
        }
      } catch (const std::exception& e) {
        fprintf(stderr, "child: %s\n", e.what());
      }
      _exit(kChildFailed);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 30000)(rng)));
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status));
    if (!std::filesystem::exists(path)) continue;  // killed before the first commit finished
    Hdf5Reader reader(path);
    const std::vector<RunInfo> runs = reader.Runs();
    for (size_t i = 0; i < runs.size(); ++i) {
      EXPECT_EQ(runs[i].id, fmt::format("run-{:04d}", i));
      // Only the run being written when the kill came may be unfinished.
      if (i + 1 < runs.size()) {
        EXPECT_EQ(runs[i].status, RunStatus::kComplete) << runs[i].id;
      }
      for (const std::string& t : reader.TableNames(runs[i].id)) EXPECT_NO_THROW(reader.ReadTable(runs[i].id, t));
    }
  }
}

TEST_F(Hdf5StoreTest, RemovesTempFilesOfDeadWritersOnly) {
  const std::string path = PathIn("stale.h5");
  const std::string ours = store_internal::TempPathFor(path);
  const std::string own_suffix = fmt::format(".{}.tmp", getpid());
  ASSERT_EQ(ours.substr(ours.size() - own_suffix.size()), own_suffix);
  const std::string stem = ours.substr(0, ours.size() - own_suffix.size());  // ".../.stale.h5.<host>"

  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  ASSERT_EQ(waitpid(dead, nullptr, 0), dead);
  const std::string dead_temp = fmt::format("{}.{}.tmp", stem, dead);
  const std::string live_temp = fmt::format("{}.1.tmp", stem);  // pid 1 is always alive
  const std::string other_host = PathIn(".stale.h5.some-other-host.12345.tmp");
  for (const std::string& p : {dead_temp, live_temp, other_host}) WriteFileBytes(p, "half a commit");

  Hdf5Writer writer(path);
  writer.BeginRun(SampleRun("r"));
  EXPECT_FALSE(std::filesystem::exists(dead_temp));
  EXPECT_TRUE(std::filesystem::exists(live_temp));
  EXPECT_TRUE(std::filesystem::exists(other_host));
  writer.EndRun(RunStatus::kComplete, "");
}

}  // namespace
}  // namespace cb
