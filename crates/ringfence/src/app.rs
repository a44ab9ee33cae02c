//! The app: a set of stacks synthesized together.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use ringfence_cfn::StackName;

use crate::model::{AppState, StackState};
use crate::synth::{self, Assembly};
use crate::{validate, Error, Stack, SynthError};

static NEXT_APP: AtomicU64 = AtomicU64::new(1);

/// An app: the stacks of one system, synthesized together so that references between
/// them are wired and checked.
///
/// ```
/// use ringfence::{App, Peer, Port, VpcSpec};
///
/// let app = App::new("chat").environment("production");
/// let mut network = app.stack("network")?;
/// let vpc = network.vpc("main", VpcSpec::new("10.20.0.0/16")?)?;
/// let bots = network.security_group(&vpc, "bots", "Every bot task; services admit this role")?;
/// let db = network.security_group(&vpc, "chat-db", "Chat history PostgreSQL")?;
/// network.allow_ingress(&db, Peer::group(&bots), Port::POSTGRES, "bots keep chat history")?;
/// network.share(&vpc)?;
/// network.share(&bots)?;
/// network.share(&db)?;
///
/// let mut trivia = app.stack("bot-trivia")?;
/// let own = trivia.security_group(&vpc, "bot-trivia", "Tasks of the trivia bot")?;
/// trivia.allow_egress(&own, Peer::group(&db), Port::POSTGRES, "chat history")?;
/// // Adding a rule to the network's group from the bot stack is refused:
/// assert!(trivia.allow_ingress(&db, Peer::group(&own), Port::POSTGRES, "me").is_err());
///
/// let assembly = app.synth()?;
/// assert_eq!(assembly.deployment_order(), ["chat-network-production", "chat-bot-trivia-production"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct App {
    state: Rc<RefCell<AppState>>,
}

impl App {
    /// A new app. Its name starts every stack name: `{app}-{stack}[-{environment}]`.
    pub fn new(name: impl Into<String>) -> App {
        let state = AppState {
            serial: NEXT_APP.fetch_add(1, Ordering::Relaxed),
            name: name.into(),
            environment: None,
            stacks: Vec::new(),
            stack_names: Default::default(),
            stack_ids: Default::default(),
            group_names: Default::default(),
        };
        App { state: Rc::new(RefCell::new(state)) }
    }

    /// The app's state, for the unit tests of synthesis.
    #[cfg(test)]
    pub(crate) fn state(&self) -> std::cell::Ref<'_, AppState> {
        self.state.borrow()
    }

    /// Sets the environment (`production`, `staging`, …). It ends every stack name and,
    /// by default, every group name; it never changes a logical id, so the environments
    /// of one app have the same structure.
    #[must_use]
    pub fn environment(self, environment: impl Into<String>) -> App {
        self.state.borrow_mut().environment = Some(environment.into());
        self
    }

    /// The app's name.
    pub fn name(&self) -> String {
        self.state.borrow().name.clone()
    }

    /// Adds a stack. `id` is its construct id (the env-free part of its name).
    pub fn stack(&self, id: &str) -> Result<Stack, Error> {
        let mut app = self.state.borrow_mut();
        validate::construct_id(format_args!("app `{}`", app.name), id)?;
        if let Some(env) = &app.environment {
            let problem = if env.is_empty() {
                Some("is empty")
            } else if env.starts_with('-') || env.ends_with('-') {
                Some("starts or ends with a hyphen")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(Error::InvalidEnvironment {
                    app: app.name.clone(),
                    environment: env.clone(),
                    problem,
                });
            }
        }
        let full = || match &app.environment {
            Some(env) => format!("{}-{id}-{env}", app.name),
            None => format!("{}-{id}", app.name),
        };
        let name = StackName::new(full()).map_err(|source| Error::InvalidStackName {
            app: app.name.clone(),
            name: full(),
            source,
        })?;
        if app.stack_names.contains(name.as_str()) || app.stack_ids.contains(id) {
            return Err(Error::DuplicateStack { app: app.name.clone(), name: name.to_string() });
        }
        app.stack_names.insert(name.to_string());
        app.stack_ids.insert(id.to_owned());
        app.stacks.push(StackState {
            id: id.to_owned(),
            name,
            description: None,
            constructs: Default::default(),
            vpcs: Vec::new(),
            groups: Vec::new(),
            sets: Vec::new(),
            params: Vec::new(),
            resources: Vec::new(),
            nacls: Vec::new(),
            endpoints: Vec::new(),
            shared: Default::default(),
            suppressions: Vec::new(),
        });
        let index = app.stacks.len() - 1;
        Ok(Stack::new(Rc::clone(&self.state), index))
    }

    /// Renders every stack: resolves cross-stack references into exports and imports,
    /// orders the stacks, and checks the whole app. Every error found is returned, not
    /// only the first.
    pub fn synth(&self) -> Result<Assembly, SynthError> {
        synth::synthesize(&self.state.borrow())
    }

    /// [`synth`](App::synth), then [`Assembly::write`] to `dir` (the manifest and the
    /// templates in the [`Formats`](crate::Formats) asked for).
    pub fn synth_to(
        &self,
        dir: impl AsRef<Path>,
        formats: impl Into<crate::Formats>,
    ) -> Result<Assembly, SynthError> {
        let assembly = self.synth()?;
        assembly.write(dir.as_ref(), formats)?;
        Ok(assembly)
    }
}
