//! The layering, checked: no top-level module imports a module that imports
//! it back, directly or through others (docs/architecture.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top-level module and the top-level modules its files name
/// through `crate::` paths, `use crate::{…}` lists included.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules: BTreeMap<String, Vec<std::path::PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if ["main", "lib", "architecture_tests"].contains(&name.as_str()) {
            continue;
        }
        let files = modules.entry(name).or_default();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .into_iter()
        .map(|(module, files)| {
            let mut used = BTreeSet::new();
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap();
                // Doc links and comments name modules without importing them.
                let code: String = text
                    .lines()
                    .map(|l| l.split("//").next().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join("\n");
                for name in crate_paths(&code) {
                    if name != module && names.contains(&name) {
                        used.insert(name);
                    }
                }
            }
            (module, used)
        })
        .collect()
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// The first segment after each `crate::`, and each name of a
/// `crate::{a, b::c}` list.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in list.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 || !item.contains("::") {
                    item.push(c);
                }
            }
            out.push(first_segment(&item));
        } else {
            out.push(first_segment(rest));
        }
    }
    out
}

fn first_segment(text: &str) -> String {
    text.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// A path of modules that comes back to its start, if any.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = imports();
    assert!(graph.len() > 10, "the modules were found: {graph:?}");
    if let Some(found) = cycle(&graph) {
        panic!("a cycle of imports: {}", found.join(" -> "));
    }
}

#[test]
fn the_scan_sees_use_lists_and_reports_a_cycle() {
    assert_eq!(
        crate_paths("use crate::{auth::{self, x}, domain};\nlet a = crate::http::app();"),
        ["auth", "domain", "http"]
    );
    let mut graph = imports();
    graph
        .entry("domain".into())
        .or_default()
        .insert("http".into());
    let found = cycle(&graph).expect("domain -> http -> … -> domain");
    assert_eq!(found.first(), found.last());
}

#[test]
fn the_domain_imports_nothing_but_itself() {
    assert_eq!(imports()["domain"], BTreeSet::new());
}
