//! The CI service a run happens in, read from the environment variables each service sets:
//! which provider, which run, job and attempt, a link to it, the runner, and the branch
//! (CI checks out a detached HEAD, so git alone does not know it); and which of them sdetkit
//! speaks natively (annotations, job summaries, report files: [`Native`]).

use serde::{Deserialize, Serialize};

/// A CI service sdetkit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// GitHub Actions (`GITHUB_ACTIONS=true`).
    Github,
    /// GitLab CI (`GITLAB_CI=true`).
    Gitlab,
    /// Buildkite (`BUILDKITE=true`).
    Buildkite,
    /// Jenkins (`JENKINS_URL`).
    Jenkins,
    /// CircleCI (`CIRCLECI=true`).
    Circleci,
}

/// Where and as what a run happens in CI (every field as the service gives it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiRun {
    /// The service.
    pub provider: Provider,
    /// The pipeline or workflow run.
    pub run_id: Option<String>,
    /// The job within it.
    pub job: Option<String>,
    /// Which attempt of the job (retries).
    pub attempt: Option<String>,
    /// A link to the run.
    pub url: Option<String>,
    /// The machine or agent.
    pub runner: Option<String>,
    /// The branch being built.
    pub branch: Option<String>,
}

/// A CI whose own output formats sdetkit writes (`--ci`): GitHub Actions' workflow commands
/// and job summary, GitLab CI's JUnit and Code Quality reports and collapsible sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Native {
    /// GitHub Actions.
    Github,
    /// GitLab CI.
    Gitlab,
}

impl CiRun {
    /// The native output of this run's CI, when sdetkit speaks its dialect.
    pub fn native(&self) -> Option<Native> {
        match self.provider {
            Provider::Github => Some(Native::Github),
            Provider::Gitlab => Some(Native::Gitlab),
            Provider::Buildkite | Provider::Jenkins | Provider::Circleci => None,
        }
    }
}

/// The CI run of this process's environment, if any.
pub fn detect() -> Option<CiRun> {
    detect_in(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// The CI run described by `env` (a lookup, so tests need not touch the real environment).
pub fn detect_in(env: &dyn Fn(&str) -> Option<String>) -> Option<CiRun> {
    let flag = |name: &str| env(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let run = |provider, run_id: &str, job: &str, attempt: &str, url, runner: &str| CiRun {
        provider,
        run_id: env(run_id),
        job: env(job),
        attempt: env(attempt),
        url,
        runner: env(runner),
        branch: None,
    };
    let mut found = if flag("GITHUB_ACTIONS") {
        let url = match (
            env("GITHUB_SERVER_URL"),
            env("GITHUB_REPOSITORY"),
            env("GITHUB_RUN_ID"),
        ) {
            (Some(server), Some(repo), Some(id)) => {
                Some(format!("{server}/{repo}/actions/runs/{id}"))
            }
            _ => None,
        };
        let mut ci = run(
            Provider::Github,
            "GITHUB_RUN_ID",
            "GITHUB_JOB",
            "GITHUB_RUN_ATTEMPT",
            url,
            "RUNNER_NAME",
        );
        // A pull request's head branch; otherwise the pushed ref's name.
        ci.branch = env("GITHUB_HEAD_REF").or_else(|| env("GITHUB_REF_NAME"));
        ci
    } else if flag("GITLAB_CI") {
        let mut ci = run(
            Provider::Gitlab,
            "CI_PIPELINE_ID",
            "CI_JOB_NAME",
            "CI_JOB_RETRY",
            env("CI_JOB_URL"),
            "CI_RUNNER_DESCRIPTION",
        );
        ci.branch =
            env("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME").or_else(|| env("CI_COMMIT_REF_NAME"));
        ci
    } else if flag("BUILDKITE") {
        let mut ci = run(
            Provider::Buildkite,
            "BUILDKITE_BUILD_ID",
            "BUILDKITE_LABEL",
            "BUILDKITE_RETRY_COUNT",
            env("BUILDKITE_BUILD_URL"),
            "BUILDKITE_AGENT_NAME",
        );
        ci.branch = env("BUILDKITE_BRANCH");
        ci
    } else if env("JENKINS_URL").is_some() {
        let mut ci = run(
            Provider::Jenkins,
            "BUILD_NUMBER",
            "JOB_NAME",
            "JENKINS_RESTART_COUNT",
            env("BUILD_URL"),
            "NODE_NAME",
        );
        ci.branch = env("CHANGE_BRANCH")
            .or_else(|| env("BRANCH_NAME"))
            .or_else(|| env("GIT_BRANCH"));
        ci
    } else if flag("CIRCLECI") {
        let mut ci = run(
            Provider::Circleci,
            "CIRCLE_WORKFLOW_ID",
            "CIRCLE_JOB",
            "CIRCLE_BUILD_NUM",
            env("CIRCLE_BUILD_URL"),
            "CIRCLE_NODE_INDEX",
        );
        ci.branch = env("CIRCLE_BRANCH");
        ci
    } else {
        return None;
    };
    // `origin/main` (Jenkins' GIT_BRANCH) names the branch `main`.
    if let Some(b) = &found.branch {
        found.branch = Some(b.strip_prefix("origin/").unwrap_or(b).to_string());
    }
    Some(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn github_actions_with_a_pull_request_branch() {
        let ci = detect_in(&env(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_JOB", "daily"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_HEAD_REF", "feature/x"),
            ("GITHUB_REF_NAME", "12/merge"),
            ("RUNNER_NAME", "r1"),
        ]))
        .unwrap();
        assert_eq!(ci.provider, Provider::Github);
        assert_eq!(
            ci.url.as_deref(),
            Some("https://github.com/o/r/actions/runs/42")
        );
        assert_eq!(ci.branch.as_deref(), Some("feature/x"));
        assert_eq!(
            (ci.job.as_deref(), ci.attempt.as_deref()),
            (Some("daily"), Some("2"))
        );
    }

    #[test]
    fn gitlab_jenkins_and_none() {
        let ci = detect_in(&env(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_REF_NAME", "main"),
        ]))
        .unwrap();
        assert_eq!(
            (ci.provider, ci.branch.as_deref()),
            (Provider::Gitlab, Some("main"))
        );
        let ci = detect_in(&env(&[
            ("JENKINS_URL", "http://j"),
            ("GIT_BRANCH", "origin/main"),
        ]))
        .unwrap();
        assert_eq!(ci.branch.as_deref(), Some("main"));
        assert_eq!(ci.native(), None);
        assert!(detect_in(&env(&[("GITHUB_ACTIONS", "false")])).is_none());
    }
}
