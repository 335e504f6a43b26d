//! The rules file format (TOML) and its compilation into [`Rule`]s.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;

use crate::gate::Gate;
use crate::{Examples, Rule, RulesError, Validator};

/// Default byte cap on each side of a keyword hit.
const DEFAULT_MAX_WINDOW: usize = 2048;
/// Hard ceiling so a user rule cannot turn every hit into a whole-file scan.
const MAX_MAX_WINDOW: usize = 64 * 1024;
const MAX_WINDOW_LINES: u32 = 400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    title: String,
    provider: String,
    kind: String,
    severity: String,
    confidence: String,
    #[serde(default = "default_owasp")]
    owasp: String,
    keywords: Vec<String>,
    #[serde(default)]
    after_keyword: Option<String>,
    #[serde(default)]
    gate: Option<String>,
    regex: String,
    #[serde(default)]
    context: Vec<String>,
    #[serde(default)]
    validate: Vec<String>,
    #[serde(default)]
    preview_prefix: String,
    fix: String,
    #[serde(default = "default_priority")]
    priority: u8,
    #[serde(default)]
    lines_before: u32,
    #[serde(default)]
    lines_after: u32,
    #[serde(default)]
    max_window: Option<usize>,
    #[serde(default)]
    examples: ExamplesSpec,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ExamplesSpec {
    #[serde(default)]
    positive: Vec<String>,
    #[serde(default)]
    negative: Vec<String>,
}

fn default_owasp() -> String {
    "NHI2".into()
}

fn default_priority() -> u8 {
    50
}

pub(crate) fn parse(text: &str) -> Result<Vec<Rule>, RulesError> {
    let file: RulesFile = toml::from_str(text).map_err(|e| RulesError::Toml(e.to_string()))?;
    compile_all(file.rule)
}

/// Compiles the rules on every core, each thread taking the next rule not yet taken
/// (rules differ in cost by tens of times, so fixed chunks left one core idle): building
/// the regexes is most of a small scan's start-up, and it happens before any file is
/// read. The result, errors included, is what compiling them one by one in order gives:
/// the rules in order, or the first error in order.
fn compile_all(specs: Vec<RuleSpec>) -> Result<Vec<Rule>, RulesError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(specs.len());
    if threads <= 1 {
        return specs.into_iter().map(compile).collect();
    }
    let work: Vec<Mutex<Option<RuleSpec>>> =
        specs.into_iter().map(|s| Mutex::new(Some(s))).collect();
    let done: Vec<Mutex<Option<Result<Rule, RulesError>>>> =
        work.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let drain = || {
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let (Some(slot), Some(out)) = (work.get(at), done.get(at)) else {
                break;
            };
            let spec = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(spec) = spec {
                let compiled = compile(spec);
                *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(compiled);
            }
        }
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (0..threads).map(|_| scope.spawn(drain)).collect();
        for helper in helpers {
            // A helper that panicked left its rule's slot empty, reported below; joined
            // here so that the scope does not re-raise the panic.
            let _ = helper.join();
        }
    });
    done.into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                // A panic while compiling one rule is a bug; report it in that rule's
                // place rather than tearing the caller down.
                .unwrap_or_else(|| {
                    Err(RulesError::Rule {
                        id: "<compile>".into(),
                        problem: "compiling a rule panicked".into(),
                    })
                })
        })
        .collect()
}

fn compile(spec: RuleSpec) -> Result<Rule, RulesError> {
    let id = spec.id.clone();
    let problem = |problem: String| RulesError::Rule {
        id: id.clone(),
        problem,
    };
    if !is_kebab_case(&spec.id) {
        return Err(problem(
            "id must be kebab-case ([a-z0-9] words joined by '-')".into(),
        ));
    }
    let provider = spec.provider.parse().map_err(|e| problem(format!("{e}")))?;
    let kind = spec.kind.parse().map_err(|e| problem(format!("{e}")))?;
    let severity = spec.severity.parse().map_err(|e| problem(format!("{e}")))?;
    let confidence = spec
        .confidence
        .parse()
        .map_err(|e| problem(format!("{e}")))?;
    let owasp = spec.owasp.parse().map_err(|e| problem(format!("{e}")))?;
    if spec.keywords.is_empty() {
        return Err(problem("needs at least one keyword".into()));
    }
    for keyword in spec.keywords.iter().chain(&spec.context) {
        if keyword.is_empty() || keyword.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(problem(format!(
                "keyword/context `{keyword}` must be non-empty and lowercase"
            )));
        }
    }
    if spec.fix.trim().is_empty() {
        return Err(problem("needs a `fix`".into()));
    }
    let regex =
        compile_regex(&spec.regex).map_err(|e| problem(format!("regex does not compile: {e}")))?;
    let capture_names = || {
        regex
            .group_info()
            .pattern_names(regex_automata::PatternID::ZERO)
    };
    let group = |name: &str| capture_names().position(|n| n == Some(name));
    // `secret` plus any `secret_<suffix>` groups: alternatives of one rule may each
    // capture the secret under their own name; the first that took part wins.
    let secret_groups: Vec<usize> = capture_names()
        .enumerate()
        .filter_map(|(i, n)| match n {
            Some(n) if n == "secret" || n.starts_with("secret_") => Some(i),
            _ => None,
        })
        .collect();
    let id_group = group("id");
    let validators = spec
        .validate
        .iter()
        .map(|name| name.parse::<Validator>().map_err(&problem))
        .collect::<Result<Vec<_>, _>>()?;
    let gate = match (spec.after_keyword.as_deref(), spec.gate.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(problem(
                "has both `after_keyword` and `gate`; a rule takes one keyword gate".into(),
            ));
        }
        (Some(source), None) => Some(Gate::Regex(
            compile_regex(&format!("^(?:{source})"))
                .map_err(|e| problem(format!("after_keyword does not compile: {e}")))?,
        )),
        (None, Some(name)) => Some(Gate::named(name, &validators).map_err(&problem)?),
        (None, None) => None,
    };
    let context_matcher = if spec.context.is_empty() {
        None
    } else {
        Some(
            aho_corasick::AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(&spec.context)
                .map_err(|e| problem(format!("context words: {e}")))?,
        )
    };
    let max_window = spec.max_window.unwrap_or(DEFAULT_MAX_WINDOW);
    if max_window == 0 || max_window > MAX_MAX_WINDOW {
        return Err(problem(format!(
            "max_window must be 1..={MAX_MAX_WINDOW} bytes"
        )));
    }
    if spec.lines_before > MAX_WINDOW_LINES || spec.lines_after > MAX_WINDOW_LINES {
        return Err(problem(format!(
            "lines_before/lines_after must be at most {MAX_WINDOW_LINES}"
        )));
    }
    Ok(Rule {
        id: spec.id,
        title: spec.title,
        provider,
        kind,
        severity,
        confidence,
        owasp,
        fix: spec.fix.trim().to_string(),
        preview_prefix: spec.preview_prefix,
        keywords: spec.keywords,
        context: spec.context,
        validators,
        regex_source: spec.regex,
        priority: spec.priority,
        lines_before: spec.lines_before,
        lines_after: spec.lines_after,
        max_window,
        examples: Examples {
            positive: spec.examples.positive,
            negative: spec.examples.negative,
        },
        regex,
        gate,
        secret_groups,
        id_group,
        context_matcher,
    })
}

/// Compiles a rule's pattern as `regex::bytes::Regex` would (leftmost-first, may match
/// invalid UTF-8, the same size limits), but as the underlying meta regex, so the engine
/// can search with caches it holds per thread instead of taking one from the regex's
/// shared pool on every call.
fn compile_regex(source: &str) -> Result<regex_automata::meta::Regex, String> {
    let syntax = regex_automata::util::syntax::Config::new()
        // Rules describe ASCII token shapes; byte-level classes keep matching fast and
        // let the regex run over invalid UTF-8.
        .unicode(false)
        .utf8(false);
    let config = regex_automata::meta::Config::new()
        .match_kind(regex_automata::MatchKind::LeftmostFirst)
        .utf8_empty(false)
        .nfa_size_limit(Some(8 * 1024 * 1024))
        .hybrid_cache_capacity(2 * 1024 * 1024);
    regex_automata::meta::Builder::new()
        .syntax(syntax)
        .configure(config)
        .build(source)
        .map_err(|e| {
            // The meta error's own text is only "error parsing pattern 0".
            if let Some(syntax) = e.syntax_error() {
                syntax.to_string()
            } else if let Some(limit) = e.size_limit() {
                format!("compiled regex exceeds the size limit of {limit} bytes")
            } else {
                e.to_string()
            }
        })
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}
