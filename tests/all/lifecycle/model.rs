//! The wanted state of the lifecycle walk, and the transitions between
//! states: a deterministic random walk from a seed.

use std::collections::BTreeMap;

use serde_json::{Value, json};

/// One wanted program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// `sleep <seconds>`: a new number is a changed command.
    pub seconds: u32,
    /// The value of its one environment variable, if it has one.
    pub env: Option<u32>,
    /// How many processes it runs.
    pub numprocs: u32,
    /// The group it belongs to, if any.
    pub group: Option<&'static str>,
}

/// Everything the walk wants of the node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Programs by name.
    pub programs: BTreeMap<String, Program>,
    /// supervisord's log level: a change rewrites supervisord.conf.
    pub loglevel: &'static str,
    next_name: u32,
}

const GROUPS: [&str; 2] = ["g1", "g2"];
const LOGLEVELS: [&str; 3] = ["info", "warn", "debug"];

/// One change to the wanted state.
#[derive(Debug, Clone)]
pub enum Transition {
    /// A new program.
    Add,
    /// A program no longer wanted.
    Remove(String),
    /// A program under a new name (the old one removed).
    Rename(String),
    /// Another command.
    Command(String),
    /// Another environment (added, changed or removed).
    Environment(String),
    /// Into a group, into another one, or out of it.
    Group(String),
    /// Another number of processes.
    Numprocs(String),
    /// Another log level for supervisord itself.
    Setting,
    /// Several of these in one apply.
    Several(Vec<Transition>),
}

/// xorshift64*: the same walk for the same seed, on every machine.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }
}

impl Model {
    /// Two programs, one of them in a group with two processes.
    pub fn start() -> Model {
        let mut model = Model {
            programs: BTreeMap::new(),
            loglevel: "info",
            next_name: 1,
        };
        model.add(None, 1);
        model.add(Some("g1"), 2);
        model
    }

    fn add(&mut self, group: Option<&'static str>, numprocs: u32) -> String {
        let name = format!("p{}", self.next_name);
        self.next_name += 1;
        self.programs.insert(
            name.clone(),
            Program {
                seconds: 1000 + self.next_name,
                env: None,
                numprocs,
                group,
            },
        );
        name
    }

    /// A transition drawn for this state.
    pub fn draw(&self, rng: &mut Rng) -> Transition {
        match rng.below(10) {
            9 => Transition::Several((0..2 + rng.below(2)).map(|_| self.draw_one(rng)).collect()),
            _ => self.draw_one(rng),
        }
    }

    fn draw_one(&self, rng: &mut Rng) -> Transition {
        let names: Vec<&String> = self.programs.keys().collect();
        if names.is_empty() {
            return Transition::Add;
        }
        let name = names[rng.below(names.len())].clone();
        match rng.below(8) {
            0 => Transition::Add,
            1 if names.len() > 1 => Transition::Remove(name),
            1 => Transition::Add,
            2 => Transition::Rename(name),
            3 => Transition::Command(name),
            4 => Transition::Environment(name),
            5 => Transition::Group(name),
            6 => Transition::Numprocs(name),
            _ => Transition::Setting,
        }
    }

    /// The state after `transition`.
    pub fn apply(&self, transition: &Transition, rng: &mut Rng) -> Model {
        let mut next = self.clone();
        next.change(transition, rng);
        next
    }

    fn change(&mut self, transition: &Transition, rng: &mut Rng) {
        match transition {
            Transition::Add => {
                let group = [None, Some(GROUPS[0]), Some(GROUPS[1])][rng.below(3)];
                self.add(group, 1 + rng.below(2) as u32);
            }
            Transition::Remove(name) => {
                self.programs.remove(name);
            }
            Transition::Rename(name) => {
                if let Some(program) = self.programs.remove(name) {
                    let renamed = format!("p{}", self.next_name);
                    self.next_name += 1;
                    self.programs.insert(renamed, program);
                }
            }
            Transition::Command(name) => {
                if let Some(p) = self.programs.get_mut(name) {
                    p.seconds += 1;
                }
            }
            Transition::Environment(name) => {
                if let Some(p) = self.programs.get_mut(name) {
                    p.env = match p.env {
                        None => Some(1),
                        Some(n) if n < 3 => Some(n + 1),
                        Some(_) => None,
                    };
                }
            }
            Transition::Group(name) => {
                if let Some(p) = self.programs.get_mut(name) {
                    p.group = match p.group {
                        None => Some(GROUPS[rng.below(2)]),
                        Some("g1") if rng.below(2) == 0 => Some("g2"),
                        Some(_) => None,
                    };
                }
            }
            Transition::Numprocs(name) => {
                if let Some(p) = self.programs.get_mut(name) {
                    p.numprocs = if p.numprocs == 1 { 2 } else { 1 };
                }
            }
            Transition::Setting => {
                let at = LOGLEVELS
                    .iter()
                    .position(|l| *l == self.loglevel)
                    .unwrap_or(0);
                self.loglevel = LOGLEVELS[(at + 1) % LOGLEVELS.len()];
            }
            Transition::Several(each) => {
                for transition in each {
                    self.change(transition, rng);
                }
            }
        }
    }

    /// The provider's settings.
    pub fn settings(&self) -> Value {
        json!({
            "install": {"strategy": "pip", "version": "4.3.0"},
            "supervisord": {"loglevel": self.loglevel},
        })
    }

    /// The services, as every host takes them.
    pub fn services(&self) -> Value {
        let services: serde_json::Map<String, Value> = self
            .programs
            .iter()
            .map(|(name, p)| {
                let mut settings = json!({
                    "command": format!("sleep {}", p.seconds),
                    "startsecs": 0,
                    "stopwaitsecs": 2,
                });
                if let Some(env) = p.env {
                    settings["environment"] = json!({"WALK": env.to_string()});
                }
                if p.numprocs > 1 {
                    settings["numprocs"] = json!(p.numprocs);
                    settings["process-name"] = json!("%(program_name)s_%(process_num)02d");
                }
                if let Some(group) = p.group {
                    settings["group"] = json!(group);
                }
                (name.clone(), json!({ "settings": settings }))
            })
            .collect();
        Value::Object(services)
    }

    /// The process groups (their file stems) the node must have.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = self
            .programs
            .iter()
            .map(|(name, p)| p.group.map_or(name.clone(), str::to_string))
            .collect();
        groups.sort();
        groups.dedup();
        groups
    }

    /// Every process that must run, as (group, process name), sorted.
    pub fn processes(&self) -> Vec<(String, String)> {
        let mut processes = Vec::new();
        for (name, p) in &self.programs {
            let group = p.group.map_or(name.clone(), str::to_string);
            if p.numprocs == 1 {
                processes.push((group, name.clone()));
            } else {
                for n in 0..p.numprocs {
                    processes.push((group.clone(), format!("{name}_{n:02}")));
                }
            }
        }
        processes.sort();
        processes
    }
}
