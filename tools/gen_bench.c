// SPDX-License-Identifier: Apache-2.0
/*
 * gen_bench: write the folded-stack input of `make bench`: exactly
 * STACKS unique stacks, 5 to 60 frames deep, one "a;b;c COUNT" line each,
 * and print the size and an FNV-1a checksum of what was written.
 *
 * The stacks are root-to-node paths of a random call tree built in two
 * phases. First STACKS/10 skeleton walks of 5 to 60 frames go down from a
 * root picked from a fixed Zipf-like mix of process names. At each node a
 * walk repeats a past visit, so a child is taken in proportion to how often
 * it was taken before, or with probability theta / (visits + theta) opens a
 * new child (a Chinese restaurant process). Each node draws its own theta
 * from a Pareto tail, so most nodes are near-chains and a few dispatch to
 * hundreds of children, and roots and early frames are shared by many
 * stacks. Then every output stack cuts a random skeleton path a few frames
 * short and hangs a fresh tail of one to three new frames below the cut, or
 * ends at the cut if no stack ends there yet. For 200,000 stacks that is
 * about 365,000 nodes, 20 frames per stack on average and 156 MB.
 *
 * Names come from pools of generated C, C++ (nested templates, operators,
 * ref-qualifiers, lambdas), Rust, Java, Python and kernel ("_[k]") symbols.
 * Every name is unique and so is every child's name under one parent, so
 * distinct nodes give distinct stack strings. Counts are 1 to 1000 with
 * P(count >= c) = 1/c.
 *
 * The output depends only on the code: our own PRNG (xoshiro256**) with a
 * fixed seed, and floating point limited to + - * / and sqrt, which IEEE 754
 * rounds the same everywhere. Not rand(), not libm's pow or log.
 *
 * usage: gen_bench OUT.folded [STACKS]   ('-' writes stdout)
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED	     0x7265737166726d65ULL /* "resqfrme" */
#define MIN_DEPTH    5
#define MAX_DEPTH    60
#define MAX_COUNT    1000
#define MAX_THETA    400.0
#define SKEL_DIV     10 /* skeleton walks per output stack: 1/10 */
#define THETA_MIN    0.05
#define NAME_MAX_LEN 480

enum kind { K_C, K_CXX, K_RUST, K_JAVA, K_PY, K_KERNEL, K_ROOT, NR_KINDS };

/* Pool sizes; the first entries of each are hand-picked well-known frames. */
static const unsigned pool_size[NR_KINDS] = {
	[K_C] = 6000,	[K_CXX] = 16000,   [K_RUST] = 10000, [K_JAVA] = 10000,
	[K_PY] = 10000, [K_KERNEL] = 6000, [K_ROOT] = 0,
};

struct rng {
	uint64_t s[4];
};

struct node {
	uint32_t parent;  /* UINT32_MAX for a root */
	uint32_t name;	  /* index into names[] */
	uint32_t *visits; /* child node of each past visit */
	uint32_t nr_visits, alloc_visits;
	float theta;
	uint8_t kind, flavor, depth;
	bool terminal;
};

struct pool {
	uint32_t first, nr; /* range of names[] */
};

struct gen {
	struct rng rng;
	char **names;
	uint32_t nr_names, alloc_names;
	struct pool pools[NR_KINDS];
	uint8_t *root_flavor; /* per K_ROOT name index */
	struct node *nodes;
	uint32_t nr_nodes, alloc_nodes;
	struct node super;	/* parent of the roots */
	unsigned kernel_frames; /* how many frames at the end of this walk are the kernel's */
	uint32_t root_pick, *root_node; /* per comm: its root node or UINT32_MAX */
	uint64_t *edge_set;		/* (parent + 1) << 32 | name, open addressing */
	uint64_t edge_mask, nr_edges;
	char **name_set; /* all names, open addressing, for uniqueness */
	uint64_t name_mask;
};

struct out {
	FILE *f;
	char *buf;
	size_t len, cap;
	uint64_t hash, bytes;
};

static void die(const char *msg)
{
	fprintf(stderr, "gen_bench: %s\n", msg);
	exit(1);
}

static void die_errno(const char *what)
{
	fprintf(stderr, "gen_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("out of memory");
	return p;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (!p)
		die("out of memory");
	return p;
}

/* ---- PRNG: splitmix64 seeding, xoshiro256** (Blackman and Vigna) ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng__init(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng__next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n), n < 2^32 (Lemire's multiply-shift, tiny bias is fine). */
static uint32_t rng__below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng__next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in (0, 1]. */
static double rng__unit(struct rng *r)
{
	return (double)((rng__next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

static bool rng__chance(struct rng *r, double p)
{
	return rng__unit(r) <= p;
}

#define PICK(r, arr) ((arr)[rng__below((r), sizeof(arr) / sizeof((arr)[0]))])

/* ---- hashing ---- */

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_INIT 0xcbf29ce484222325ULL

static uint64_t mix64(uint64_t x)
{
	return splitmix64(&x);
}

/* ---- name pools ---- */

/* Word tables, kept compact: */
/* clang-format off */
#define NR_START_FRAMES 7 /* frames right below the root */
static const char *const c_fixed[] = {
	"_start", "__libc_start_main", "__libc_start_call_main", "main", "start_thread",
	"clone3", "__clone", "[unknown]", "malloc", "free", "_int_malloc", "_int_free",
	"__memmove_avx_unaligned_erms", "__memset_avx2_unaligned_erms", "pthread_cond_wait",
	"pthread_mutex_lock", "epoll_wait", "__GI___libc_read", "__libc_write", "__send",
	"__recv", "PostgresMain", "exec_simple_query", "ExecProcNode", "ExecScan",
	"heap_getnextslot", "ngx_http_process_request_line", "ngx_epoll_process_events",
	"ngx_worker_process_cycle", "_PyEval_EvalFrameDefault", "PyObject_Call",
	"_PyFunction_Vectorcall", "PyObject_Vectorcall", "luaV_execute", "sqlite3VdbeExec",
	"deflate", "inflate_fast", "SSL_read", "SSL_write", "EVP_DecryptUpdate",
	"aesni_ctr32_encrypt_blocks", "__strlen_avx2", "__memcmp_avx2_movbe", "qsort_r",
};

static const char *const c_prefix[] = {
	"ngx_", "exec_", "pg_", "_Py_", "Py_", "sqlite3_", "zend_", "lua_", "SSL_", "EVP_",
	"BIO_", "xml_", "g_", "uv_", "__GI_", "_dl_", "", "", "", "redis_", "je_",
	"tc_", "curl_", "http_", "",
};

static const char *const words[] = {
	"read", "write", "process", "handle", "alloc", "free", "init", "hash", "lookup",
	"insert", "scan", "parse", "flush", "event", "timer", "buffer", "node", "list",
	"tuple", "index", "page", "lock", "unlock", "signal", "request", "response",
	"header", "body", "chunk", "stream", "queue", "entry", "table", "slot", "batch",
	"merge", "sort", "compare", "encode", "decode", "compress", "checksum", "update",
	"commit", "rollback", "cache", "evict", "resize", "copy", "match", "filter", "emit",
	"dispatch", "connection", "socket", "poll", "wait", "wake", "sched", "task", "worker",
};

static const char *const cxx_ns[] = {
	"std", "std::__1", "boost::asio::detail", "DB", "absl::container_internal", "folly",
	"llvm", "clang", "v8::internal", "mozilla::dom", "tbb::detail::d1", "grpc_core",
	"google::protobuf::internal", "rocksdb", "Eigen::internal", "cv", "tensorflow",
	"arrow::compute", "duckdb", "(anonymous namespace)", "WTF", "blink", "seastar",
	"facebook::velox::exec",
};

static const char *const cxx_class[] = {
	"HashTable", "Allocator", "RequestHandler", "Aggregator", "ColumnVector",
	"ThreadPoolImpl", "Executor", "Parser", "BufferedReader", "IndexBuilder",
	"MergeTreeReader", "Compressor", "ExpressionActions", "SpanProcessor", "FlatHashMap",
	"StringPiece", "Arena", "Scheduler", "Connection", "Session", "Tensor", "KernelRunner",
	"raw_hash_set", "basic_string", "vector", "_Hashtable", "function", "unique_ptr",
	"shared_ptr", "basic_ostream", "Optional", "SmallVector", "DenseMap", "Interpreter",
	"Heap", "Isolate", "BlockCache", "WriteBatch", "VersionSet", "Pipeline", "Operator",
};

static const char *const cxx_base_type[] = {
	"int", "unsigned long", "char", "double", "float", "bool", "long long",
	"unsigned char", "std::string", "std::string_view", "char const*", "void*",
	"unsigned int", "short", "std::nullptr_t", "DB::IColumn", "llvm::Value*",
};

static const char *const cxx_method[] = {
	"operator[]", "operator()", "operator<", "operator<<", "operator==", "operator=",
	"operator->", "operator>>", "push_back", "insert", "find", "reserve", "_M_realloc_insert",
	"execute", "run", "process", "add", "merge", "serialize", "deserialize", "emplace_back",
	"resize", "rehash", "lookup", "operator new", "operator delete", "invoke", "apply",
	"visit", "dispatch", "step", "flush", "addBatchSinglePlace", "insertRangeFrom",
};

static const char *const cxx_args[] = {
	"()",
	"(unsigned long)",
	"(std::string const&)",
	"(char const*, unsigned long)",
	"(int, int)",
	"(DB::IColumn const**, unsigned long, DB::Arena*)",
	"(llvm::Value*, llvm::ArrayRef<llvm::Value*>)",
	"(std::vector<int, std::allocator<int>>&&)",
	"(void*, unsigned long, std::error_code&)",
	"(std::shared_ptr<DB::IAST> const&, DB::Context const&)",
	"(v8::internal::Isolate*, v8::internal::Handle<v8::internal::Object>)",
	"(double const*, long, double*)",
	"(bool)",
};

static const char *const cxx_qual[] = {
	"", "", "", " const", " const", " const&", " &", " &&", " const noexcept",
	" [clone .isra.0]", " [clone .cold]", " [clone .constprop.0]",
};

static const char *const cxx_fixed[] = {
	"std::vector<std::pair<int, std::string>>::operator[](unsigned long) const&",
	"JavaCalls::call_helper(JavaValue*, methodHandle const&, JavaCallArguments*, Thread*)",
	"JavaThread::thread_main_inner()",
	"Thread::call_run()",
	"thread_native_entry(Thread*)",
	"Interpreter",
	"call_stub",
	"CompileBroker::compiler_thread_loop()",
	"G1ParScanThreadState::trim_queue_to_threshold(unsigned int)",
	"std::_Function_handler<void (), std::thread::_Invoker<std::tuple<void"
		" (*)()>>>::_M_invoke(std::_Any_data const&)",
	"std::thread::_State_impl<std::thread::_Invoker<std::tuple<ThreadPoolImpl<std::thread"
		">::scheduleImpl<void>(std::function<void ()>, long, std::optional<unsigned long>,"
		" bool)::{lambda()#2}>>>::_M_run()",
	"DB::AggregateFunctionSum<DB::Decimal<wide::integer<128ul, int>>,"
		" DB::Decimal<wide::integer<128ul, int>>,"
		" DB::AggregateFunctionSumData<DB::Decimal<wide::integer<128ul, int>>>,"
		" (DB::AggregateFunctionSumType)1>::add(char*, DB::IColumn const**, unsigned long,"
		" DB::Arena*) const",
	"v8::internal::Execution::Call(v8::internal::Isolate*,"
		" v8::internal::Handle<v8::internal::Object>,"
		" v8::internal::Handle<v8::internal::Object>, int,"
		" v8::internal::Handle<v8::internal::Object>*)",
	"Builtins_JSEntryTrampoline",
	"Builtins_InterpreterEntryTrampoline",
	"operator new(unsigned long)",
	"operator delete(void*, unsigned long)",
	"std::ostream& std::operator<< <std::char_traits<char>>(std::ostream&, char const*)",
	"bool std::operator< <char, std::char_traits<char>,"
		" std::allocator<char>>(std::string const&, std::string const&)",
};

static const char *const rust_crate[] = {
	"core", "alloc", "std", "tokio", "hyper", "serde_json", "regex_automata", "hashbrown",
	"rayon_core", "futures_util", "tracing", "bytes", "h2", "rustc_middle",
	"rustc_query_system", "syn", "tower", "axum", "polars_core", "arrow2", "datafusion",
};

static const char *const rust_mod[] = {
	"ptr", "vec", "iter::adapters::map", "runtime::task::harness", "raw", "de",
	"meta::strategy", "sync::mpsc", "io::buf_reader", "proto::h1::dispatch", "ty::context",
	"query::plumbing", "collections::hash::map", "runtime::scheduler::multi_thread::worker",
	"registry", "future::future", "codec::framed_impl", "physical_plan::aggregates",
	"chunked_array::ops::sort", "slice::sort", "fmt", "str::pattern", "rt",
};

static const char *const rust_type[] = {
	"Vec<u8>", "Harness<T,S>", "RawTable<(K,V)>", "Map<I,F>", "Dispatcher<D,Bs,I,T>",
	"BufReader<R>", "HashMap<K,V,S>", "Arc<T>", "Pin<&mut F>", "Deserializer<R>",
	"Context", "Registry", "Worker", "ChunkedArray<T>", "String", "Formatter",
	"Option<T>", "Result<T,E>", "Box<dyn core::any::Any+core::marker::Send>",
};

static const char *const rust_trait[] = {
	"core::iter::traits::collect::Extend<T>", "core::future::future::Future",
	"core::ops::function::FnOnce<()>", "core::clone::Clone", "core::fmt::Display",
	"serde::de::Deserializer", "core::iter::traits::iterator::Iterator",
	"tower_service::Service<Request>", "core::ops::drop::Drop", "core::hash::Hash",
};

static const char *const rust_method[] = {
	"poll", "next", "fold", "reserve_rehash", "deserialize_struct", "call_once", "try_fold",
	"extend", "from_iter", "clone", "lang_start_internal", "run", "execute", "block_on",
	"spawn", "drop", "fmt", "hash", "insert", "get_mut", "search", "find_at", "write_all",
};

static const char *const java_pkg[] = {
	"java/util/concurrent", "io/netty/channel/nio", "org/apache/kafka/clients/consumer/internals",
	"com/fasterxml/jackson/databind/deser", "org/springframework/web/servlet",
	"io/vertx/core/net/impl", "sun/nio/ch", "java/lang", "org/eclipse/jetty/server",
	"com/google/common/collect", "org/hibernate/engine/internal", "scala/collection/immutable",
	"java/util", "io/netty/handler/codec/http", "org/apache/lucene/index",
};

static const char *const java_class[] = {
	"ThreadPoolExecutor$Worker", "NioEventLoop", "Fetcher", "BeanDeserializer",
	"DispatcherServlet", "VertxHandler", "SocketChannelImpl", "Thread", "HttpConnection",
	"ImmutableMap", "StatefulPersistenceContext", "HashMap$TreeNode",
	"AbstractQueuedSynchronizer$ConditionObject", "HttpObjectDecoder", "IndexWriter",
	"ConcurrentHashMap", "ForkJoinPool$WorkQueue", "Vector", "StringBuilder",
};

static const char *const java_method[] = {
	"run", "runWorker", "processSelectedKeys", "fetchRecords", "deserializeFromObject",
	"doDispatch", "channelRead", "read", "handle", "get", "put", "lambda$handle$0",
	"<init>", "<clinit>", "access$100", "invoke", "decode", "append", "toString",
	"hashCode", "equals", "addDocument", "flush", "await", "select",
};

static const char *const py_func[] = {
	"<module>", "<listcomp>", "<genexpr>", "<lambda>", "<dictcomp>", "__call__",
	"__init__", "handle", "get_response", "_execute", "run_until_complete", "_run_once",
	"_run", "dispatch_request", "full_dispatch_request", "wsgi_app", "process_request",
	"read", "decode", "loads", "_call_with_frames_removed", "exec_module", "forward",
	"_call_impl", "train_step", "compute_loss", "raw_decode", "send", "urlopen",
	"_make_request", "execute", "fetchall", "__getitem__", "apply", "wrapper",
};

static const char *const py_file[] = {
	"django/core/handlers/base.py", "flask/app.py", "asyncio/base_events.py",
	"asyncio/events.py", "torch/nn/modules/module.py", "json/decoder.py",
	"json/__init__.py", "requests/sessions.py", "urllib3/connectionpool.py",
	"<frozen importlib._bootstrap>", "sqlalchemy/orm/query.py",
	"numpy/core/fromnumeric.py", "myapp/views.py", "pandas/core/frame.py",
	"/usr/lib/python3.11/asyncio/base_events.py",
	"/usr/lib/python3/dist-packages/gunicorn/workers/sync.py", "celery/app/trace.py",
	"werkzeug/serving.py", "pydantic/main.py",
};

#define NR_KERNEL_ENTRIES 5 /* first kernel frames below user space */
static const char *const k_fixed[] = {
	"entry_SYSCALL_64_after_hwframe_[k]", "asm_exc_page_fault_[k]",
	"asm_sysvec_apic_timer_interrupt_[k]", "ret_from_fork_[k]", "asm_common_interrupt_[k]",
	"do_syscall_64_[k]", "__x64_sys_futex_[k]", "exc_page_fault_[k]", "do_user_addr_fault_[k]",
	"handle_mm_fault_[k]", "__schedule_[k]", "schedule_[k]", "finish_task_switch.isra.0_[k]",
	"native_write_msr_[k]", "copy_user_enhanced_fast_string_[k]", "tcp_sendmsg_locked_[k]",
	"cpu_startup_entry_[k]", "do_idle_[k]", "default_idle_call_[k]",
	"native_safe_halt_[k]",
	"__sysvec_apic_timer_interrupt_[k]", "hrtimer_interrupt_[k]", "irq_exit_rcu_[k]",
	"__do_softirq_[k]", "net_rx_action_[k]",
};

static const char *const k_prefix[] = {
	"", "__", "do_", "__x64_sys_", "__sys_", "ksys_", "vfs_", "tcp_", "ext4_", "blk_mq_",
	"__handle_", "sock_", "ip_", "net_rx_", "page_", "mem_cgroup_", "__alloc_",
	"filemap_", "iomap_", "irq_", "hrtimer_", "futex_", "ep_", "copy_", "native_",
	"xfs_", "nvme_", "skb_", "__napi_", "rcu_", "kmem_cache_",
};

static const char *const k_suffix[] = {
	"", "", "", "", ".isra.0", ".constprop.0", ".part.0", "_locked", "_common", "_slowpath",
};

struct comm {
	const char *name;
	enum kind flavor;
};

static const struct comm comms[] = {
	{ "java", K_JAVA },
	{ "python3", K_PY },
	{ "clickhouse-serv", K_CXX },
	{ "swapper", K_KERNEL },
	{ "postgres", K_C },
	{ "tokio-runtime-w", K_RUST },
	{ "nginx", K_C },
	{ "envoy", K_CXX },
	{ "node", K_CXX },
	{ "rustc", K_RUST },
	{ "kworker/u16:2", K_KERNEL },
	{ "C2 CompilerThre", K_CXX },
	{ "GC Thread#0", K_CXX },
	{ "gunicorn", K_PY },
	{ "celery", K_PY },
	{ "kafka-network-t", K_JAVA },
	{ "vert.x-eventloo", K_JAVA },
	{ "redis-server", K_C },
	{ "mysqld", K_CXX },
	{ "chrome", K_CXX },
	{ "ksoftirqd/0", K_KERNEL },
	{ "cargo", K_RUST },
	{ "rg", K_RUST },
	{ "Chrome_ChildIOT", K_CXX },
	{ "ThreadPoolForeg", K_CXX },
	{ "pytest", K_PY },
	{ "elasticsearch[n", K_JAVA },
	{ "sqlite3", K_C },
	{ "sshd", K_C },
	{ "containerd", K_C },
	{ "kubelet", K_C },
	{ "jbd2/nvme0n1p2-", K_KERNEL },
	{ "polars-0", K_RUST },
	{ "ForkJoinPool-1-", K_JAVA },
	{ "uwsgi", K_PY },
	{ "ceph-osd", K_CXX },
	{ "rcu_sched", K_KERNEL },
	{ "haproxy", K_C },
	{ "perf", K_C },
};

/* clang-format on */

struct sbuf {
	char s[NAME_MAX_LEN + 64];
	size_t len;
};

static void sb_add(struct sbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n < sizeof(b->s) - 1) {
		memcpy(b->s + b->len, s, n);
		b->len += n;
	}
	b->s[b->len] = '\0';
}

static void sb_fmt(struct sbuf *b, const char *fmt, unsigned long v)
{
	char tmp[32];

	snprintf(tmp, sizeof(tmp), fmt, v);
	sb_add(b, tmp);
}

/* A C++ type, nesting templates up to @depth levels. */
static void cxx_type(struct rng *r, struct sbuf *b, int depth)
{
	const char *a1, *a2;

	if (depth <= 0 || rng__chance(r, 0.35)) {
		sb_add(b, PICK(r, cxx_base_type));
		return;
	}
	switch (rng__below(r, 7)) {
	case 0:
		sb_add(b, "std::vector<");
		cxx_type(r, b, depth - 1);
		sb_add(b, ">");
		break;
	case 1:
		sb_add(b, "std::pair<");
		cxx_type(r, b, depth - 1);
		sb_add(b, ", ");
		cxx_type(r, b, depth - 1);
		sb_add(b, ">");
		break;
	case 2:
		sb_add(b, "std::shared_ptr<");
		cxx_type(r, b, depth - 1);
		sb_add(b, ">");
		break;
	case 3:
		/* std::map<K, V, std::less<K>, std::allocator<std::pair<K const, V>>> */
		a1 = PICK(r, cxx_base_type);
		a2 = PICK(r, cxx_base_type);
		sb_add(b, "std::map<");
		sb_add(b, a1);
		sb_add(b, ", ");
		sb_add(b, a2);
		sb_add(b, ", std::less<");
		sb_add(b, a1);
		sb_add(b, ">, std::allocator<std::pair<");
		sb_add(b, a1);
		sb_add(b, " const, ");
		sb_add(b, a2);
		sb_add(b, ">>>");
		break;
	case 4:
		sb_add(b, "std::optional<");
		cxx_type(r, b, depth - 1);
		sb_add(b, ">");
		break;
	case 5:
		sb_add(b, "std::function<void (");
		cxx_type(r, b, depth - 1);
		sb_add(b, ")>");
		break;
	default:
		sb_add(b, PICK(r, cxx_ns));
		sb_add(b, "::");
		sb_add(b, PICK(r, cxx_class));
		sb_add(b, "<");
		cxx_type(r, b, depth - 1);
		sb_add(b, ">");
		break;
	}
}

static void gen_c(struct rng *r, struct sbuf *b)
{
	unsigned n = 1 + rng__below(r, 3);

	sb_add(b, PICK(r, c_prefix));
	for (unsigned i = 0; i < n; i++) {
		if (i)
			sb_add(b, "_");
		sb_add(b, PICK(r, words));
	}
	if (rng__chance(r, 0.3))
		sb_fmt(b, "%lu", rng__below(r, 64));
}

static void gen_cxx(struct rng *r, struct sbuf *b)
{
	const char *cls = PICK(r, cxx_class);

	if (rng__chance(r, 0.1)) {
		/* a free function template */
		sb_add(b, "void ");
		sb_add(b, PICK(r, cxx_ns));
		sb_add(b, "::");
		sb_add(b, PICK(r, words));
		sb_add(b, "_impl<");
		cxx_type(r, b, 2);
		sb_add(b, ">");
		sb_add(b, PICK(r, cxx_args));
		return;
	}
	sb_add(b, PICK(r, cxx_ns));
	sb_add(b, "::");
	sb_add(b, cls);
	if (rng__chance(r, 0.7)) {
		sb_add(b, "<");
		cxx_type(r, b, rng__chance(r, 0.3) ? 3 : 2);
		if (rng__chance(r, 0.3)) {
			sb_add(b, ", ");
			cxx_type(r, b, 2);
		}
		sb_add(b, ">");
	}
	sb_add(b, "::");
	switch (rng__below(r, 10)) {
	case 0:
		sb_add(b, "~");
		sb_add(b, cls);
		break;
	case 1:
		sb_add(b, PICK(r, words));
		sb_add(b, "(");
		sb_add(b, PICK(r, cxx_base_type));
		sb_add(b, ")::{lambda(int)#1}::operator()");
		break;
	default:
		sb_add(b, PICK(r, cxx_method));
		if (rng__chance(r, 0.4)) {
			sb_add(b, "_");
			sb_add(b, PICK(r, words));
		}
		break;
	}
	sb_add(b, PICK(r, cxx_args));
	sb_add(b, PICK(r, cxx_qual));
}

static void gen_rust(struct rng *r, struct sbuf *b)
{
	switch (rng__below(r, 5)) {
	case 0:
		/* <alloc::vec::Vec<T> as core::iter::traits::collect::Extend<T>>::extend */
		sb_add(b, "<");
		sb_add(b, PICK(r, rust_crate));
		sb_add(b, "::");
		sb_add(b, PICK(r, rust_mod));
		sb_add(b, "::");
		sb_add(b, PICK(r, rust_type));
		sb_add(b, " as ");
		sb_add(b, PICK(r, rust_trait));
		sb_add(b, ">::");
		sb_add(b, PICK(r, rust_method));
		break;
	case 1:
		sb_add(b, "core::ptr::drop_in_place<");
		sb_add(b, PICK(r, rust_crate));
		sb_add(b, "::");
		sb_add(b, PICK(r, rust_mod));
		sb_add(b, "::");
		sb_add(b, PICK(r, rust_type));
		sb_add(b, ">");
		break;
	default:
		sb_add(b, PICK(r, rust_crate));
		sb_add(b, "::");
		sb_add(b, PICK(r, rust_mod));
		sb_add(b, "::");
		if (rng__chance(r, 0.6)) {
			sb_add(b, PICK(r, rust_type));
			sb_add(b, "::");
		}
		sb_add(b, PICK(r, rust_method));
		if (rng__chance(r, 0.25))
			sb_add(b, "::{{closure}}");
		break;
	}
	if (rng__chance(r, 0.15)) {
		/* legacy mangling hash, as perf prints unhashed v0-less symbols */
		sb_add(b, "::h");
		sb_fmt(b, "%016lx", (unsigned long)rng__next(r));
	}
}

static void gen_java(struct rng *r, struct sbuf *b)
{
	const char *pkg = PICK(r, java_pkg);
	const char *cls = PICK(r, java_class);
	const char *m = PICK(r, java_method);

	if (rng__chance(r, 0.5)) {
		/* async-profiler collapsed: java/lang/Thread.run (no ';' of L...;) */
		sb_add(b, pkg);
		sb_add(b, "/");
		sb_add(b, cls);
		sb_add(b, ".");
		sb_add(b, m);
	} else {
		/* perf-map-agent with dotted names, JIT frames marked _[j] */
		for (const char *p = pkg; *p; p++) {
			char c[2] = {*p == '/' ? '.' : *p, 0};

			sb_add(b, c);
		}
		sb_add(b, ".");
		sb_add(b, cls);
		sb_add(b, ".");
		sb_add(b, m);
		if (rng__chance(r, 0.4))
			sb_add(b, "_[j]");
	}
}

static void gen_py(struct rng *r, struct sbuf *b)
{
	const char *func = PICK(r, py_func);

	sb_add(b, func);
	if (func[0] != '<' && rng__chance(r, 0.5)) {
		sb_add(b, "_");
		sb_add(b, PICK(r, words));
	}
	sb_add(b, " (");
	sb_add(b, PICK(r, py_file));
	sb_fmt(b, ":%lu)", 1 + rng__below(r, 2400));
}

static void gen_kernel(struct rng *r, struct sbuf *b)
{
	sb_add(b, PICK(r, k_prefix));
	sb_add(b, PICK(r, words));
	if (rng__chance(r, 0.6)) {
		sb_add(b, "_");
		sb_add(b, PICK(r, words));
	}
	sb_add(b, PICK(r, k_suffix));
	sb_add(b, "_[k]");
}

static bool name_set_add(struct gen *g, const char *s)
{
	uint64_t i = fnv1a(s, strlen(s), FNV_INIT) & g->name_mask;

	while (g->name_set[i]) {
		if (!strcmp(g->name_set[i], s))
			return false;
		i = (i + 1) & g->name_mask;
	}
	g->name_set[i] = (char *)s;
	return true;
}

/* Add @s to names[] unless it exists; returns whether it was added. */
static bool add_name(struct gen *g, const char *s)
{
	char *copy;

	if (g->nr_names == g->alloc_names) {
		g->alloc_names = g->alloc_names ? 2 * g->alloc_names : 1024;
		g->names = xrealloc(g->names, g->alloc_names * sizeof(*g->names));
	}
	copy = strdup(s);
	if (!copy)
		die("out of memory");
	if (!name_set_add(g, copy)) {
		free(copy);
		return false;
	}
	g->names[g->nr_names++] = copy;
	return true;
}

static void build_pools(struct gen *g)
{
	static void (*const gen_fn[NR_KINDS])(struct rng *, struct sbuf *) = {
		[K_C] = gen_c,	     [K_CXX] = gen_cxx, [K_RUST] = gen_rust,
		[K_JAVA] = gen_java, [K_PY] = gen_py,	[K_KERNEL] = gen_kernel,
	};
	struct rng r;
	uint64_t total = sizeof(comms) / sizeof(comms[0]);

	for (int k = 0; k < NR_KINDS; k++)
		total += pool_size[k];
	for (g->name_mask = 1; g->name_mask < 4 * total; g->name_mask <<= 1)
		;
	g->name_set = xcalloc(g->name_mask, sizeof(*g->name_set));
	g->name_mask--;

	rng__init(&r, SEED ^ 0x6e616d6573ULL);
	/* Roots first: a generated name that equals a comm is then dropped. */
	for (int ki = 0; ki < NR_KINDS; ki++) {
		int k = (ki + K_ROOT) % NR_KINDS;
		const char *const *fixed = NULL;
		size_t nr_fixed = 0;
		unsigned tries = 0;

		g->pools[k].first = g->nr_names;
		if (k == K_ROOT) {
			g->root_flavor = xcalloc(sizeof(comms) / sizeof(comms[0]), 1);
			for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
				g->root_flavor[i] = comms[i].flavor;
				if (!add_name(g, comms[i].name))
					die("duplicate comm");
			}
			g->pools[k].nr = g->nr_names - g->pools[k].first;
			continue;
		}
		if (k == K_C) {
			fixed = c_fixed;
			nr_fixed = sizeof(c_fixed) / sizeof(c_fixed[0]);
		} else if (k == K_CXX) {
			fixed = cxx_fixed;
			nr_fixed = sizeof(cxx_fixed) / sizeof(cxx_fixed[0]);
		} else if (k == K_KERNEL) {
			fixed = k_fixed;
			nr_fixed = sizeof(k_fixed) / sizeof(k_fixed[0]);
		}
		for (size_t i = 0; i < nr_fixed; i++)
			add_name(g, fixed[i]);
		while (g->nr_names - g->pools[k].first < pool_size[k]) {
			struct sbuf b = {.len = 0};

			b.s[0] = '\0';
			gen_fn[k](&r, &b);
			if (!add_name(g, b.s) && ++tries > 50 * pool_size[k]) {
				fprintf(stderr,
					"gen_bench: cannot make %u distinct names of kind %d\n",
					pool_size[k], k);
				exit(1);
			}
		}
		g->pools[k].nr = g->nr_names - g->pools[k].first;
	}
}

/* ---- the call tree ---- */

static bool edge_add(struct gen *g, uint32_t parent, uint32_t name)
{
	uint64_t key = ((uint64_t)parent + 1) << 32 | name;
	uint64_t i;

	if (2 * (g->nr_edges + 1) > g->edge_mask) {
		uint64_t old_mask = g->edge_mask;
		uint64_t *old = g->edge_set;

		g->edge_mask = old_mask ? 2 * (old_mask + 1) - 1 : (1 << 20) - 1;
		g->edge_set = xcalloc(g->edge_mask + 1, sizeof(*g->edge_set));
		for (uint64_t j = 0; old && j <= old_mask; j++) {
			if (!old[j])
				continue;
			for (i = mix64(old[j]) & g->edge_mask; g->edge_set[i];
			     i = (i + 1) & g->edge_mask)
				;
			g->edge_set[i] = old[j];
		}
		free(old);
	}
	for (i = mix64(key) & g->edge_mask; g->edge_set[i]; i = (i + 1) & g->edge_mask)
		if (g->edge_set[i] == key)
			return false;
	g->edge_set[i] = key;
	g->nr_edges++;
	return true;
}

/* Zipf-like pick: low indices (the hand-picked names) are the most frequent. */
static uint32_t pick_index(struct rng *r, uint32_t n, int skew)
{
	double u = rng__unit(r), v = u;

	for (int i = 1; i < skew; i++)
		v *= u;
	uint32_t idx = (uint32_t)(v * n);

	return idx < n ? idx : n - 1;
}

/*
 * Kind of a new frame at @depth called from a frame of @kind, with @left
 * frames still to come in this walk: the start-up frames are C, the last
 * g->kernel_frames of a walk are the kernel's, and the kernel never calls
 * back into user space.
 */
static enum kind child_kind(struct gen *g, enum kind kind, enum kind flavor, unsigned depth,
			    unsigned left)
{
	static const enum kind secondary[NR_KINDS] = {
		[K_C] = K_C,  [K_CXX] = K_C,	     [K_RUST] = K_C, [K_JAVA] = K_CXX,
		[K_PY] = K_C, [K_KERNEL] = K_KERNEL, [K_ROOT] = K_C,
	};

	if (kind == K_KERNEL || flavor == K_KERNEL || left < g->kernel_frames)
		return K_KERNEL;
	if (depth <= 2)
		return K_C;
	return rng__chance(&g->rng, 0.8) ? flavor : secondary[flavor];
}

/* A new child of @parent (&g->super for a root), @left frames before the walk ends. */
static uint32_t new_node(struct gen *g, struct node *parent, uint32_t parent_idx, unsigned left)
{
	struct rng *r = &g->rng;
	struct node *n;
	uint32_t idx = g->nr_nodes;
	enum kind kind, flavor;
	unsigned depth = parent ? parent->depth + 1 : 0;
	uint32_t name, span;
	const struct pool *p;

	if (g->nr_nodes == g->alloc_nodes) {
		ptrdiff_t off = parent && parent != &g->super ? parent - g->nodes : -1;

		g->alloc_nodes = g->alloc_nodes ? 2 * g->alloc_nodes : 65536;
		g->nodes = xrealloc(g->nodes, g->alloc_nodes * sizeof(*g->nodes));
		if (off >= 0)
			parent = g->nodes + off;
	}
	if (!parent || parent == &g->super) {
		kind = K_ROOT;
		depth = 0;
	} else {
		kind = child_kind(g, parent->kind, parent->flavor, depth, left);
	}
	p = &g->pools[kind];
	/* Start-up and kernel entry frames come from the head of their pools. */
	span = p->nr;
	if (kind == K_C && depth == 1)
		span = NR_START_FRAMES;
	else if (kind == K_KERNEL && parent->kind != K_KERNEL)
		span = NR_KERNEL_ENTRIES;
	/* A random name unused among the siblings; then scan for a free one. */
	name = p->first + (kind == K_ROOT ? g->root_pick : pick_index(r, span, 3));
	for (uint32_t tries = 0; !edge_add(g, parent_idx, name); tries++) {
		if (tries < 16) {
			name = p->first + pick_index(r, p->nr, 2);
			continue;
		}
		/* A crowded parent: scan on through every pool after the roots'. */
		if (++name == g->nr_names)
			name = g->pools[K_C].first;
		if (tries > g->nr_names || (kind == K_ROOT && name >= p->first + p->nr))
			die("a node has more children than there are names");
	}
	flavor = kind == K_ROOT ? (enum kind)g->root_flavor[name - p->first] : parent->flavor;

	n = &g->nodes[g->nr_nodes++];
	memset(n, 0, sizeof(*n));
	n->parent = kind == K_ROOT ? UINT32_MAX : parent_idx;
	n->name = name;
	n->kind = kind;
	n->flavor = flavor;
	n->depth = depth;
	/* Pareto(1) theta: mostly chains, a few wide dispatchers. */
	n->theta = (float)(THETA_MIN / rng__unit(r));
	if (n->theta > MAX_THETA)
		n->theta = MAX_THETA;
	return idx;
}

static void add_visit(struct node *n, uint32_t child)
{
	if (n->nr_visits == n->alloc_visits) {
		n->alloc_visits = n->alloc_visits ? 2 * n->alloc_visits : 2;
		n->visits = xrealloc(n->visits, n->alloc_visits * sizeof(*n->visits));
	}
	n->visits[n->nr_visits++] = child;
}

/*
 * One step of a skeleton walk from @cur (UINT32_MAX: above the roots): follow
 * a past visit, or open a new child with probability theta / (visits + theta).
 */
static uint32_t step(struct gen *g, uint32_t cur, unsigned left)
{
	struct rng *r = &g->rng;
	struct node *n = cur == UINT32_MAX ? &g->super : &g->nodes[cur];
	uint32_t child;

	if (cur == UINT32_MAX) {
		/* Roots: a fixed Zipf-like mix of processes, not a CRP */
		g->root_pick = pick_index(r, g->pools[K_ROOT].nr, 2);
		child = g->root_node[g->root_pick];
		if (child == UINT32_MAX) {
			child = new_node(g, n, cur, left);
			g->root_node[g->root_pick] = child;
		}
		return child;
	}
	if (n->nr_visits && rng__unit(r) * (n->nr_visits + n->theta) > n->theta) {
		child = n->visits[rng__below(r, n->nr_visits)];
	} else {
		child = new_node(g, n, cur, left);
		n = cur == UINT32_MAX ? &g->super : &g->nodes[cur]; /* nodes[] moved */
	}
	add_visit(n, child);
	return child;
}

/*
 * Skeleton depth: 5..60 frames, 5 + 56 x^2 with x the mean of three uniforms:
 * mean 20.6, few below 8, a thin tail to 60.
 */
static unsigned pick_depth(struct rng *r)
{
	double x = (rng__unit(r) + rng__unit(r) + rng__unit(r)) / 3;
	unsigned d = MIN_DEPTH + (unsigned)(x * x * (MAX_DEPTH - MIN_DEPTH + 1) * 0.999999);

	return d > MAX_DEPTH ? MAX_DEPTH : d;
}

/* Phase 1: a root-to-node path of pick_depth() frames; returns its last node. */
static uint32_t walk(struct gen *g)
{
	unsigned depth = pick_depth(&g->rng);
	uint32_t cur = UINT32_MAX;

	g->kernel_frames = rng__chance(&g->rng, 0.45) ? 0 : 2 + rng__below(&g->rng, 11);
	for (unsigned d = 0; d < depth; d++)
		cur = step(g, cur, depth - 1 - d);
	return cur;
}

/*
 * Phase 2: one output stack. Cut skeleton path @end a few frames short and
 * hang a fresh tail of one to three new frames below (a leaf called from
 * there), or end right at the cut if no stack ends there yet. Stores the
 * frames in @path and returns how many.
 */
static unsigned make_stack(struct gen *g, uint32_t end, uint32_t *path)
{
	struct rng *r = &g->rng;
	unsigned frames = g->nodes[end].depth + 1, back = 0, tail, n;
	uint32_t x = end;

	while (back < 8 && rng__chance(r, 0.55))
		back++;
	for (; back && frames > MIN_DEPTH; back--, frames--)
		x = g->nodes[x].parent;
	if (g->nodes[x].terminal || !rng__chance(r, 0.25)) {
		tail = 1 + rng__chance(r, 0.35) + rng__chance(r, 0.15);
		if (frames == MAX_DEPTH) {
			x = g->nodes[x].parent;
			frames--;
		}
		if (frames + tail > MAX_DEPTH)
			tail = MAX_DEPTH - frames;
		/* new nodes: unique names among their siblings, never terminal */
		g->kernel_frames = rng__chance(r, 0.3) ? tail : 0;
		for (; tail; tail--, frames++)
			x = new_node(g, &g->nodes[x], x, tail - 1);
	}
	g->nodes[x].terminal = true;
	for (n = frames; n-- > 0; x = g->nodes[x].parent)
		path[n] = x;
	return frames;
}

/* Heavy-tailed sample count, 1..MAX_COUNT: P(count >= c) = 1/c. */
static unsigned pick_count(struct rng *r)
{
	double c = 1.0 / rng__unit(r);

	return c >= MAX_COUNT ? MAX_COUNT : (unsigned)c;
}

static void gen__release(struct gen *g)
{
	for (uint32_t i = 0; i < g->nr_nodes; i++)
		free(g->nodes[i].visits);
	free(g->nodes);
	for (uint32_t i = 0; i < g->nr_names; i++)
		free(g->names[i]);
	free(g->names);
	free(g->name_set);
	free(g->edge_set);
	free(g->root_flavor);
	free(g->root_node);
}

/* ---- output ---- */

static void out_flush(struct out *o)
{
	if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
		die_errno("write");
	o->hash = fnv1a(o->buf, o->len, o->hash);
	o->bytes += o->len;
	o->len = 0;
}

static void out_add(struct out *o, const char *s, size_t n)
{
	if (o->len + n > o->cap)
		out_flush(o);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

int main(int argc, char **argv)
{
	static struct gen g;
	struct out o = {.cap = 1 << 20, .hash = FNV_INIT};
	unsigned long nr_stacks = 200000;
	uint32_t path[MAX_DEPTH];
	uint64_t sum_depth = 0, sum_count = 0;
	uint32_t max_fanout = 0, *fanout, *skel, skel_nodes;
	unsigned long nr_skel;
	const char *out_path;
	bool to_stdout;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gen_bench OUT.folded [STACKS]\n");
		return 2;
	}
	out_path = argv[1];
	if (argc == 3) {
		char *end;

		nr_stacks = strtoul(argv[2], &end, 10);
		if (*end || !nr_stacks || nr_stacks > 10000000) {
			fprintf(stderr, "gen_bench: bad stack count '%s'\n", argv[2]);
			return 2;
		}
	}
	nr_skel = nr_stacks / SKEL_DIV + 1;
	to_stdout = !strcmp(out_path, "-");
	o.f = to_stdout ? stdout : fopen(out_path, "w");
	if (!o.f)
		die_errno(out_path);
	o.buf = xcalloc(o.cap, 1);

	build_pools(&g);
	rng__init(&g.rng, SEED);
	g.root_node = xcalloc(g.pools[K_ROOT].nr, sizeof(*g.root_node));
	memset(g.root_node, 0xff, g.pools[K_ROOT].nr * sizeof(*g.root_node));

	skel = xcalloc(nr_skel, sizeof(*skel));
	for (unsigned long k = 0; k < nr_skel; k++)
		skel[k] = walk(&g);
	skel_nodes = g.nr_nodes;

	for (unsigned long s = 0; s < nr_stacks; s++) {
		unsigned depth = make_stack(&g, skel[rng__below(&g.rng, nr_skel)], path);
		char num[24];
		int len;

		for (unsigned d = 0; d < depth; d++) {
			const char *name = g.names[g.nodes[path[d]].name];

			if (d)
				out_add(&o, ";", 1);
			out_add(&o, name, strlen(name));
		}
		unsigned count = pick_count(&g.rng);

		len = snprintf(num, sizeof(num), " %u\n", count);
		out_add(&o, num, len);
		sum_depth += depth;
		sum_count += count;
	}
	out_flush(&o);
	if (to_stdout ? fflush(o.f) : fclose(o.f))
		die_errno(out_path);

	fanout = xcalloc(g.nr_nodes, sizeof(*fanout));
	for (uint32_t i = 0; i < g.nr_nodes; i++) {
		uint32_t p = g.nodes[i].parent;

		if (p != UINT32_MAX && ++fanout[p] > max_fanout)
			max_fanout = fanout[p];
	}

	fprintf(stderr,
		"gen_bench: %lu stacks, %u tree nodes (%u from %lu skeleton walks), %u names, "
		"mean depth %.1f, max fan-out %u, %llu samples\n",
		nr_stacks, g.nr_nodes, skel_nodes, nr_skel, g.nr_names,
		(double)sum_depth / nr_stacks, max_fanout, (unsigned long long)sum_count);
	/* the checksum line goes to stdout unless the stacks do */
	fprintf(to_stdout ? stderr : stdout, "gen_bench %s bytes=%llu fnv1a64=%016llx\n", out_path,
		(unsigned long long)o.bytes, (unsigned long long)o.hash);
	free(fanout);
	free(skel);
	free(o.buf);
	gen__release(&g);
	return 0;
}
