//! Everything decided before any node is touched. Every group that names
//! a node runs on it as one job (Pallet's union of a node's groups): the
//! services of all of them, under one declaration of the spec's scope.
//! Groups that cannot share a node, the same program from two groups or
//! different settings for one supervisord, are refused naming both.

use super::locate::{locate, locate_services};
use super::{InputError, Prepared};
use crate::node::Address;
use crate::runtime::bindings::{Declaration, Program, Role, WitError};
use crate::runtime::{MapError, PluginError, ProviderPlugin, Registry};
use crate::spec::{Group, GroupRole, Spec, SpecError};

/// `SUPD_LOCK_WAIT_SECS`, else the component's default.
fn lock_wait_secs() -> Option<u32> {
    std::env::var("SUPD_LOCK_WAIT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
}

/// The jobs of `spec`: for each set of groups that name the same nodes,
/// its services mapped to programs and checked, its settings probed for
/// every node root. `only` limits it to the nodes of one group (with every
/// group that names them); `nodes_override` runs every group (or `only`)
/// on those nodes instead. Nothing touches a node.
pub fn prepare<'a>(
    spec: &'a Spec,
    registry: &'a Registry,
    only: Option<&str>,
    nodes_override: &[Address],
) -> Result<Vec<Prepared<'a>>, InputError> {
    if let Some(only) = only
        && spec.group_named(only).is_none()
    {
        return Err(spec
            .error(&["groups"], format!("there is no group {only:?}"))
            .into());
    }
    let node_script = registry.node_script().ok_or_else(|| PluginError::Load {
        plugin: "node-script".into(),
        detail: "no node-script component is loaded".into(),
    })?;
    let mut prepared = Vec::new();
    for (groups, nodes) in unions(spec, only, nodes_override) {
        let job = Job::new(spec, registry, groups)?;
        prepared.push(job.prepare(node_script, nodes)?);
    }
    Ok(prepared)
}

/// The groups of each node (and supervisor), and the nodes of each set of
/// groups: a set of groups in name order, with the nodes they all name, in
/// first-seen order.
fn unions<'a>(
    spec: &'a Spec,
    only: Option<&str>,
    nodes_override: &[Address],
) -> Vec<(Vec<&'a Group>, Vec<Address>)> {
    // Groups of other supervisors manage other daemons: a job per node
    // and supervisor.
    let mut of_node: Vec<(Address, Vec<&'a Group>)> = Vec::new();
    let mut add = |node: &Address, group: &'a Group| match of_node
        .iter_mut()
        .find(|(n, groups)| n == node && groups[0].supervisor == group.supervisor)
    {
        Some((_, groups)) => groups.push(group),
        None => of_node.push((node.clone(), vec![group])),
    };
    if nodes_override.is_empty() {
        for group in &spec.groups {
            for node in &group.nodes {
                add(node, group);
            }
        }
        if let Some(only) = only {
            let wanted = &spec.group_named(only).expect("checked").nodes;
            of_node.retain(|(node, _)| wanted.contains(node));
        }
    } else {
        for group in spec
            .groups
            .iter()
            .filter(|g| only.is_none_or(|o| o == g.name))
        {
            for node in nodes_override {
                add(node, group);
            }
        }
    }
    let mut unions: Vec<(Vec<&'a Group>, Vec<Address>)> = Vec::new();
    for (node, groups) in of_node {
        match unions
            .iter_mut()
            .find(|(g, _)| g.iter().map(|x| &x.name).eq(groups.iter().map(|x| &x.name)))
        {
            Some((_, nodes)) => nodes.push(node),
            None => unions.push((groups, vec![node])),
        }
    }
    unions
}

/// Groups that run on the same nodes, being checked.
struct Job<'a> {
    spec: &'a Spec,
    registry: &'a Registry,
    groups: Vec<&'a Group>,
    provider: &'a ProviderPlugin,
}

impl<'a> Job<'a> {
    fn new(
        spec: &'a Spec,
        registry: &'a Registry,
        groups: Vec<&'a Group>,
    ) -> Result<Self, InputError> {
        let first = groups[0];
        for other in &groups[1..] {
            if other.ssh != first.ssh {
                return Err(both(
                    spec,
                    other,
                    "ssh",
                    format!(
                        "names the same nodes as group {:?} with other ssh options; one node is reached one way",
                        first.name
                    ),
                ));
            }
        }
        let Some(provider) = registry.provider(&first.supervisor) else {
            let known: Vec<&str> = registry
                .providers()
                .iter()
                .map(|p| p.info().name.as_str())
                .collect();
            return Err(spec
                .error(
                    &["groups", &first.name, "supervisor"],
                    format!(
                        "no provider named {:?} is loaded (loaded: {})",
                        first.supervisor,
                        known.join(", ")
                    ),
                )
                .into());
        };
        Ok(Job {
            spec,
            registry,
            groups,
            provider,
        })
    }

    /// The job's declaration: the spec's scope, owning the daemon when one
    /// of its groups does.
    fn declaration(&self) -> Declaration {
        let owns = self.groups.iter().any(|g| g.role == GroupRole::Daemon);
        Declaration {
            scope: self.spec.scope.clone(),
            role: if owns { Role::Daemon } else { Role::Programs },
            exclusive: self.spec.exclusive,
            absent: Vec::new(),
        }
    }

    /// The settings of the daemon: groups that own it must agree.
    fn settings(&self) -> Result<String, InputError> {
        let mut owner: Option<&Group> = None;
        for group in self.groups.iter().filter(|g| g.role == GroupRole::Daemon) {
            match owner {
                None => owner = Some(group),
                Some(first) if first.settings != group.settings => {
                    return Err(both(
                        self.spec,
                        group,
                        "settings",
                        format!(
                            "names the same nodes as group {:?} with other settings for their supervisord; give both the same settings, or one role = \"programs\"",
                            first.name
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(owner.map_or_else(|| "{}".to_string(), |g| g.settings.to_string()))
    }

    fn prepare(
        self,
        node_script: &'a crate::runtime::NodeScriptPlugin,
        nodes: Vec<Address>,
    ) -> Result<Prepared<'a>, InputError> {
        let declaration = self.declaration();
        let settings = self.settings()?;
        let mut requests = Vec::new();
        let mut programs: Vec<Program> = Vec::new();
        let mut origins: Vec<usize> = Vec::new();
        for (index, group) in self.groups.iter().enumerate() {
            let (group_requests, group_programs) = self.group_programs(group)?;
            for (request, program) in group_requests.into_iter().zip(group_programs) {
                if let Some(seen) = programs.iter().position(|p| p.name == program.name) {
                    let first = self.groups[origins[seen]];
                    return Err(both(
                        self.spec,
                        group,
                        &format!("services.{}", request.key),
                        format!(
                            "program {:?} is also a service of group {:?}, which names the same nodes",
                            program.name, first.name
                        ),
                    ));
                }
                requests.push(request);
                programs.push(program);
                origins.push(index);
            }
        }
        let prepared = Prepared {
            name: self
                .groups
                .iter()
                .map(|g| g.name.as_str())
                .collect::<Vec<_>>()
                .join("+"),
            ssh: self.groups[0].ssh.clone(),
            groups: self.groups.clone(),
            provider: self.provider,
            node_script,
            limits: node_script.limits(),
            lock_wait_secs: lock_wait_secs(),
            settings,
            declaration,
            requests,
            programs,
            origins,
            nodes,
        };
        let located = |error: WitError| InputError::from(locate(self.spec, &prepared, &error));
        self.provider
            .check_programs(&prepared.programs)?
            .map_err(|e| located(self.provider_error(&prepared, e)))?;
        // A group that only adds programs takes no settings: the provider
        // says so, at that group.
        for group in self.groups.iter().filter(|g| g.role == GroupRole::Programs) {
            let declaration = Declaration {
                role: Role::Programs,
                ..prepared.declaration.clone()
            };
            self.provider
                .probes(&group.settings.to_string(), &declaration, &[], "/")?
                .map_err(|e| InputError::from(locate_services(self.spec, group, &e)))?;
        }
        let mut roots: Vec<String> = prepared.nodes.iter().map(Address::root).collect();
        roots.sort();
        roots.dedup();
        for root in roots {
            self.provider
                .probes(
                    &prepared.settings,
                    &prepared.declaration,
                    &prepared.programs,
                    &root,
                )?
                .map_err(|e| located(self.provider_error(&prepared, e)))?;
        }
        Ok(prepared)
    }

    /// An error of the provider about `programs[...]`, at its service.
    fn provider_error(&self, prepared: &Prepared<'_>, error: WitError) -> WitError {
        prepared
            .node_script
            .service_error(&prepared.requests, &prepared.programs, &error)
            .unwrap_or(error)
    }

    /// One group's services, read by the provider, mapped by the facility
    /// components or the provider, and checked.
    fn group_programs(
        &self,
        group: &Group,
    ) -> Result<(Vec<crate::runtime::bindings::ServiceRequest>, Vec<Program>), InputError> {
        let at_group =
            |error: WitError| InputError::from(locate_services(self.spec, group, &error));
        let node_script = self.registry.node_script().expect("checked by prepare");
        let requests = node_script
            .requests(&self.provider.info().name, &group.services_json())?
            .map_err(at_group)?;
        let mut mapped = Vec::with_capacity(requests.len());
        for request in &requests {
            mapped.push(
                match self.registry.config_map(
                    &request.facility,
                    &request.supervisor,
                    &request.settings,
                ) {
                    Ok(program) => Ok(program),
                    Err(MapError::Input(error)) => Err(error),
                    Err(MapError::Plugin(error)) => return Err(error.into()),
                },
            );
        }
        let programs = node_script
            .programs(&requests, &mapped)?
            .map_err(at_group)?;
        Ok((requests, programs))
    }
}

/// Two groups that cannot share their nodes: the error is at the second
/// one's `key`; its message names the first.
fn both(spec: &Spec, second: &Group, key: &str, message: String) -> InputError {
    let mut keys = vec!["groups", second.name.as_str()];
    keys.extend(key.split('.'));
    InputError::Spec(SpecError {
        location: crate::spec::Location::of_keys(&spec.path, &spec.source, &keys),
        message: format!("groups.{}.{key}: {message}", second.name),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn names(spec: &Spec, only: Option<&str>, over: &[Address]) -> Vec<(Vec<String>, Vec<String>)> {
        unions(spec, only, over)
            .into_iter()
            .map(|(groups, nodes)| {
                (
                    groups.iter().map(|g| g.name.clone()).collect(),
                    nodes.iter().map(|n| n.to_string()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn a_node_in_several_groups_runs_their_union_as_one_job() {
        let spec = Spec::parse(
            Path::new("/s/spec.toml"),
            "[groups.web]\nnodes = [\"ssh://a\", \"ssh://b\"]\n[groups.worker]\nnodes = [\"ssh://b\", \"ssh://c\"]\n".into(),
        )
        .unwrap();
        let s = |v: &[&str]| {
            v.iter()
                .map(|x| {
                    x.replace("ssh://a", "ssh://a:22")
                        .replace("ssh://b", "ssh://b:22")
                        .replace("ssh://c", "ssh://c:22")
                        .replace("ssh://x", "ssh://x:22")
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&spec, None, &[]),
            [
                (s(&["web"]), s(&["ssh://a"])),
                (s(&["web", "worker"]), s(&["ssh://b"])),
                (s(&["worker"]), s(&["ssh://c"])),
            ]
        );
        // One group's nodes, with every group that names them.
        assert_eq!(
            names(&spec, Some("worker"), &[]),
            [
                (s(&["web", "worker"]), s(&["ssh://b"])),
                (s(&["worker"]), s(&["ssh://c"])),
            ]
        );
        // Other nodes: every group on each (or only the one named).
        let x = Address::parse("ssh://x", Path::new("/")).unwrap();
        assert_eq!(
            names(&spec, None, std::slice::from_ref(&x)),
            [(s(&["web", "worker"]), s(&["ssh://x"]))]
        );
        assert_eq!(
            names(&spec, Some("web"), &[x]),
            [(s(&["web"]), s(&["ssh://x"]))]
        );
    }
}
