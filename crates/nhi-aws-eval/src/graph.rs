//! Role-assumption chains: strongly connected components (iterative Tarjan)
//! so that cyclic trust chains terminate, then the highest tier reachable
//! from each principal.

use std::collections::HashMap;

use crate::{PrincipalAccess, PrivilegeTier};

pub(crate) fn propagate(all: &mut [PrincipalAccess]) {
    let index: HashMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, a)| (a.arn.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = all
        .iter()
        .map(|a| {
            a.assumable_roles
                .iter()
                .filter_map(|r| index.get(r.as_str()).copied())
                .collect()
        })
        .collect();
    drop(index);
    let n = all.len();
    let (comp, comps) = tarjan(n, &edges);

    // Tarjan emits components sinks first, so successors are done before us.
    let mut best: Vec<(PrivilegeTier, Option<usize>)> =
        vec![(PrivilegeTier::None, None); comps.len()];
    for (ci, members) in comps.iter().enumerate() {
        let mut b = (PrivilegeTier::None, None);
        for &m in members {
            if all[m].tier > b.0 {
                b = (all[m].tier, Some(m));
            }
            for &s in &edges[m] {
                let sc = comp[s];
                if sc != ci && best[sc].0 > b.0 {
                    b = best[sc];
                }
            }
        }
        best[ci] = b;
        let cyclic = members.len() > 1 || members.iter().any(|&m| edges[m].contains(&m));
        if cyclic {
            let names: Vec<String> = members.iter().map(|&m| all[m].arn.clone()).collect();
            for &m in members {
                all[m].warnings.push(format!(
                    "{}: cyclic trust chain among roles {}; reachable privilege computed once for the whole cycle",
                    all[m].arn,
                    names.join(" -> ")
                ));
            }
        }
    }
    for i in 0..n {
        let own = all[i].tier;
        let mut eff = (own, None);
        for &s in &edges[i] {
            let b = best[comp[s]];
            if b.0 > eff.0 {
                eff = (b.0, Some(s));
            }
        }
        all[i].effective_tier = eff.0;
        all[i].effective_tier_via = eff.1.map(|s| all[s].arn.clone());
    }
}

/// Iterative Tarjan. Returns each node's component and the components in
/// the order found (reverse topological: sinks first).
fn tarjan(n: usize, edges: &[Vec<usize>]) -> (Vec<usize>, Vec<Vec<usize>>) {
    const UNSEEN: usize = usize::MAX;
    let mut idx = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut comp = vec![UNSEEN; n];
    let mut comps = Vec::new();
    let mut counter = 0;
    for root in 0..n {
        if idx[root] != UNSEEN {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        idx[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut ei)) = call.last_mut() {
            if let Some(&w) = edges[v].get(*ei) {
                *ei += 1;
                if idx[w] == UNSEEN {
                    idx[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(idx[w]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == idx[v] {
                    let mut members = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        comp[w] = comps.len();
                        members.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comps.push(members);
                }
            }
        }
    }
    (comp, comps)
}
