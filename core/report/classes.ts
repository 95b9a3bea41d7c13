// The default failure classes of the report: each a regular expression over the lines of a failed
// package's log (and its failure reason), tried in this order after the config's own
// `report.classes`; the first rule with a matching line wins. Each rule has a fixture log it must
// match and one it must not (fixtures/classes/, classes.test.ts). The order matters: a removed
// python module is also a missing module, a removed C API is also a compiler error, a killed
// compiler is also a failed command.

export interface ClassRule {
  /** Class name shown by reports, `status` and `why`. */
  name: string;
  /** JavaScript regular expression source, matched against each line. */
  pattern: string;
  /** Only for failures of this stage (build, test, ...); any stage when absent. */
  stage?: string;
}

/** Modules the new pythons removed (PEP 594 and earlier): importing one is python-version breakage. */
export const REMOVED_MODULES = [
  'distutils', 'imp', 'asynchat', 'asyncore', 'smtpd', 'aifc', 'audioop', 'cgi', 'cgitb', 'chunk', 'crypt', 'imghdr',
  'mailcap', 'msilib', 'nis', 'nntplib', 'ossaudiodev', 'pipes', 'sndhdr', 'spwd', 'sunau', 'telnetlib', 'uu', 'xdrlib', 'lib2to3',
] as const;

const removed = REMOVED_MODULES.join('|');

export const DEFAULT_CLASSES: readonly ClassRule[] = Object.freeze([
  {
    // The kernel's OOM killer, a compiler killed by it, an allocator giving up.
    name: 'out-of-memory',
    pattern: String.raw`\bOut of memory\b|\boom-kill|\bMemoryError\b|std::bad_alloc|Cannot allocate memory|virtual memory exhausted|Killed signal terminated program|exit (?:code|status) 137\b`,
  },
  {
    // A build that reaches for the network where there is none (container network off by default).
    name: 'network-in-sandbox',
    pattern: String.raw`Temporary failure in name resolution|Could not resolve host|Name or service not known|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|Network is unreachable|Failed to establish a new connection|Could not find a version that satisfies the requirement .*\(from versions: none\)`,
  },
  {
    name: 'timeout',
    pattern: String.raw`\btimed out after\b|\bTimeoutExpired\b|exceeded the (?:build )?time limit|build time limit of \d+`,
  },
  {
    // Removed modules, removed C APIs, and warnings the new python makes errors.
    name: 'python-breakage',
    pattern:
      String.raw`No module named '(?:${removed})(?:\.[\w.]+)?'|cannot import name '\w+' from '(?:${removed})(?:\.[\w.]+)?'|` +
      String.raw`(?:implicit declaration of function|call to undeclared function|unknown type name|undeclared \(first use|was not declared in this scope).*'_?Py[A-Z]\w*'|'_?Py[A-Z]\w*' (?:undeclared|was not declared)|'_?Py[A-Z]\w*'(?: \{aka [^}]*\})? has no member named|incomplete (?:type|typedef) '_?Py[A-Z]\w*'|` +
      String.raw`^(?:E\s+)?(?:SyntaxWarning|DeprecationWarning): |SyntaxError: invalid escape sequence`,
  },
  {
    // A test the tester ran: an import that fails, a command that exits non-zero, conda-build's verdict.
    name: 'test-failure',
    pattern: String.raw`TESTS FAILED|Tests failed for|^import: '[\w.]+'.*(?:fail|error)|^E\s+\w*Error\b|^FAILED \S+::|\bcommands\[\d+\]: .*(?:exit|failed)`,
  },
  {
    name: 'test-failure',
    stage: 'test',
    pattern: String.raw`^(?:ModuleNotFoundError|ImportError): |exit(?:ed with)? (?:code|status) [1-9]`,
  },
  {
    // The solver cannot find a package at all, or a build cannot find a header, a module, a CMake package.
    name: 'missing-dependency',
    pattern: String.raw`nothing provides (?:requested )?\S+|PackagesNotFoundError|ResolvePackageNotFound|does not exist \(perhaps a typo or a missing channel\)|No candidates were found for|^ModuleNotFoundError: No module named|fatal error: [\w/.+-]+\.h(?:pp)?: No such file or directory|Could NOT find \w+|Package '?[\w.+-]+'?,? (?:required by '[^']*', )?not found`,
  },
  {
    // Everything exists, but the pins exclude each other (the solver's explanation).
    name: 'unsatisfiable',
    pattern: String.raw`UnsatisfiableError|Could not solve for environment specs|The following packages are incompatible|cannot be installed because there are no viable options|Pins seem to be involved in the conflict|Encountered problems while solving|but none of the providers can be installed`,
  },
  {
    name: 'linker-error',
    pattern: String.raw`undefined reference to|\bld(?:\.\w+)?: (?:error|cannot find)|collect2: error: ld returned|Undefined symbols for architecture|unresolved external symbol|\berror LNK\d{4}\b|undefined symbol: \w+`,
  },
  {
    name: 'compiler-error',
    pattern: String.raw`^\S+\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|f|f90|pyx|cu|m|mm):\d+(?::\d+)?: (?:fatal )?error: |\berror C\d{4}:|^error(?:\[E\d{4}\])?: (?:could not compile|aborting due to)|^error\[E\d{4}\]|error: command '[^']*(?:gcc|g\+\+|clang\+*|cl\.exe|cc|c\+\+|gfortran)' failed`,
  },
]);

/** The class of a failure no rule matched: the engine's own failure class, or this. */
export const UNCLASSIFIED = 'unclassified';
