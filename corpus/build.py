#!/usr/bin/env python3
"""Builds the corpus of public CloudFormation templates (issue #13, "Real suites").

Two steps, standard library only (Python 3.8+ and git):

  python3 corpus/build.py select [--mirrors DIR]
      Reads each source repository (a bare git directory; see --mirrors) at its newest
      commit and writes corpus/SOURCES.tsv (repository, URL, commit, license) and
      corpus/MANIFEST.tsv (every template chosen: folder, path, git blob id, size).
      Run once, when the corpus is made or grown; both files are committed.

  python3 corpus/build.py extract [--mirrors DIR] [--cache DIR]
      Writes every template of MANIFEST.tsv, byte for byte as the source repository
      has it at the commit SOURCES.tsv names, to corpus/<owner>__<name>/<path>, with
      the repository's license (and NOTICE) files beside them in corpus/<owner>__<name>/.
      Each file's git blob id is checked against the manifest. A repository not found
      under --mirrors is cloned from its URL into --cache (blobs fetched on demand) and
      read at the recorded commit.

What is chosen (`select`):
  - the paths listed per repository in SOURCES below (prefixes), minus excluded ones;
  - files ending in .json, .yaml, .yml or .template, of at most 500 KB;
  - that look like a template: a top-level `Resources` key (YAML at column 0, or a
    JSON key) or `AWSTemplateFormatVersion`;
  - from the test fixtures of cfn-lint, only templates about networks, workloads in a
    VPC, transforms, `Fn::ForEach`, nested stacks or conditions (CONTENT below).

Every repository's license was read by hand (the LICENSE file, not the GitHub
metadata) and is recorded below as an SPDX id; only MIT, MIT-0 and Apache-2.0 occur.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAX_SIZE = 500_000
EXTENSIONS = (".json", ".yaml", ".yml", ".template")

# (owner/name, SPDX license, license files to copy, included path prefixes, excluded
# path regexes). A prefix "" takes the whole repository.
SOURCES = [
    (
        "aws-cloudformation/cfn-lint",
        "MIT-0",
        ["LICENSE", "NOTICE"],
        [
            "test/fixtures/templates/good/",
            "test/fixtures/templates/quickstart/",
            "test/fixtures/templates/public/",
            "test/fixtures/templates/integration/",
            "test/fixtures/templates/issues/",
        ],
        [],
    ),
    (
        "aws-cloudformation/aws-cloudformation-templates",
        "Apache-2.0",
        ["LICENSE.txt", "NOTICE.txt"],
        [""],
        [r"^\.github/", r"/src/events/"],
    ),
    # The same sample library as last kept under awslabs (older versions, other layout).
    ("awslabs/aws-cloudformation-templates", "Apache-2.0", ["LICENSE.txt", "NOTICE.txt"], [""], [r"^\.github/"]),
    (
        "widdix/aws-cf-templates",
        "Apache-2.0",
        ["LICENSE"],
        [""],
        [r"^\.github/", r"^docs/", r"^mkdocs\.yml$", r"^\.readthedocs\.yaml$", r"^\.yamllint$"],
    ),
    (
        "stelligent/cfn_nag",
        "MIT",
        ["LICENSE.md"],
        [
            f"spec/test_templates/{fmt}/{d}/"
            for fmt in ("json", "yaml")
            for d in ("security_group", "ec2_networkaclentry", "ec2_subnet", "vpc")
        ]
        + ["spec/test_templates/e2e/"],
        [],
    ),
    (
        "aws-samples/ecs-refarch-cloudformation",
        "Apache-2.0",
        ["LICENSE", "NOTICE"],
        [""],
        [r"^buildspec\.yml$"],
    ),
    ("aws-samples/aws-refarch-wordpress", "MIT-0", ["LICENSE.txt"], ["templates/", "samples/"], []),
    ("aws-samples/aws-refarch-drupal", "MIT-0", ["LICENSE", "NOTICE.txt"], ["templates/"], []),
    ("aws-samples/aws-refarch-moodle", "Apache-2.0", ["LICENSE", "NOTICE"], ["templates/"], []),
    ("aws-samples/startup-kit-templates", "Apache-2.0", ["LICENSE"], [""], []),
    ("aws-samples/sessions-with-aws-sam", "MIT-0", ["LICENSE"], [""], []),
    (
        "bridgecrewio/checkov",
        "Apache-2.0",
        ["LICENSE"],
        [
            "tests/cloudformation/checks/resource/aws/" + d
            for d in (
                "example_SecurityGroup",
                "example_Elasticache",
                "example_Elasticsearch",
                "example_ALBListener",
                "example_LambdaInVPC",
                "example_VPCEndpoint",
                "unused/",
            )
        ]
        + ["tests/cloudformation/graph/graph_builder/resources/variable_rendering/"],
        [],
    ),
    (
        "aws-quickstart/quickstart-compliance-nist",
        "Apache-2.0",
        ["LICENSE.txt", "NOTICE.txt"],
        ["templates/"],
        [],
    ),
    (
        "aws-quickstart/quickstart-redhat-openshift",
        "Apache-2.0",
        ["LICENSE.txt", "NOTICE.txt"],
        ["templates/"],
        [],
    ),
    (
        "aws-quickstart/quickstart-jfrog-artifactory",
        "Apache-2.0",
        ["LICENSE.txt", "NOTICE.txt"],
        ["templates/"],
        [],
    ),
    ("aws-quickstart/quickstart-aws-vpc", "Apache-2.0", ["LICENSE.txt", "NOTICE.txt"], ["templates/"], []),
    (
        "aws-quickstart/quickstart-linux-bastion",
        "Apache-2.0",
        ["LICENSE.txt", "NOTICE.txt"],
        ["templates/"],
        [],
    ),
    (
        "aws-quickstart/quickstart-amazon-eks",
        "Apache-2.0",
        ["LICENSE.txt", "NOTICE.txt"],
        ["templates/"],
        [],
    ),
    (
        "aws-quickstart/quickstart-microsoft-activedirectory",
        "Apache-2.0",
        ["LICENSE.txt", "NOTICE.txt"],
        ["templates/"],
        [],
    ),
    (
        "aws-quickstart/quickstart-atlassian-services",
        "Apache-2.0",
        ["LICENSE.txt", "NOTICE.txt"],
        ["templates/"],
        [],
    ),
]

# Repositories of test fixtures whose templates are taken only when their text names a
# network resource, a workload's groups, a transform, `Fn::ForEach`, a nested stack or
# conditions (the fixtures of other resource types are left out).
CONTENT = {
    "aws-cloudformation/cfn-lint": re.compile(
        rb"AWS::EC2::|VpcConfig|SecurityGroupIds|Transform|Fn::ForEach|AWS::CloudFormation::Stack"
        rb"|AWS::Serverless|^Conditions:|\"Conditions\"",
        re.M,
    ),
}

TEMPLATE_KEY = re.compile(rb"""(^["']?Resources["']?[ \t]*:)|("Resources"\s*:)""", re.M)


def folder(repo):
    """corpus/<owner>__<name>."""
    return repo.replace("/", "__")


def git(git_dir, *args, binary=False):
    out = subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True).stdout
    return out if binary else out.decode()


def mirror(mirrors, repo):
    """The bare git directory of `repo` under `mirrors` (owner+name/repo[/.git]), if any."""
    base = Path(mirrors) / repo.replace("/", "+") / "repo"
    for d in (base / ".git", base):
        if (d / "HEAD").exists() or (d / "objects").is_dir():
            return d
    return None


def looks_like_template(data):
    return b"AWSTemplateFormatVersion" in data or TEMPLATE_KEY.search(data) is not None


def select(args):
    sources, manifest = [], []
    for repo, spdx, licenses, prefixes, excludes in SOURCES:
        d = mirror(args.mirrors, repo)
        if d is None:
            sys.exit(f"{repo}: no git directory under {args.mirrors}")
        commit = git(d, "rev-parse", "HEAD").strip()
        for lic in licenses:
            git(d, "cat-file", "-e", f"{commit}:{lic}")
        sources.append((folder(repo), f"https://github.com/{repo}", commit, spdx, ",".join(licenses)))
        # mode type blob size\tpath
        for line in git(d, "ls-tree", "-r", "-l", "-z", commit).split("\0"):
            if not line:
                continue
            meta, path = line.split("\t", 1)
            _mode, kind, blob, size = meta.split()
            if kind != "blob" or not path.lower().endswith(EXTENSIONS):
                continue
            if not any(path.startswith(p) for p in prefixes) or any(re.search(x, path) for x in excludes):
                continue
            if int(size) > MAX_SIZE:
                continue
            data = git(d, "cat-file", "blob", blob, binary=True)
            if not looks_like_template(data) or (repo in CONTENT and not CONTENT[repo].search(data)):
                continue
            manifest.append((folder(repo), path, blob, size))
    with open(HERE / "SOURCES.tsv", "w") as f:
        f.write("folder\turl\tcommit\tlicense\tlicense_files\n")
        for row in sources:
            f.write("\t".join(row) + "\n")
    with open(HERE / "MANIFEST.tsv", "w") as f:
        f.write("folder\tpath\tblob\tsize\n")
        for row in manifest:
            f.write("\t".join(row) + "\n")
    total = sum(int(r[3]) for r in manifest)
    print(f"{len(manifest)} templates from {len(sources)} repositories, {total} bytes")


def read_tsv(name):
    with open(HERE / name) as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def blob_id(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def source_dir(args, src):
    repo = src["url"].removeprefix("https://github.com/")
    d = mirror(args.mirrors, repo)
    if d is not None and subprocess.run(
        ["git", f"--git-dir={d}", "cat-file", "-e", src["commit"]], capture_output=True
    ).returncode == 0:
        return d
    d = Path(args.cache) / folder(repo)
    if not d.exists():
        subprocess.run(["git", "clone", "--bare", "--filter=blob:none", src["url"], str(d)], check=True)
    subprocess.run(["git", f"--git-dir={d}", "fetch", "origin", src["commit"]], check=True)
    return d


def extract(args):
    sources = {s["folder"]: s for s in read_tsv("SOURCES.tsv")}
    written = 0
    for src in sources.values():
        d = source_dir(args, src)
        out = HERE / src["folder"]
        out.mkdir(exist_ok=True)
        for lic in src["license_files"].split(","):
            (out / lic).write_bytes(git(d, "show", f"{src['commit']}:{lic}", binary=True))
        for row in (r for r in read_tsv("MANIFEST.tsv") if r["folder"] == src["folder"]):
            data = git(d, "show", f"{src['commit']}:{row['path']}", binary=True)
            if blob_id(data) != row["blob"]:
                sys.exit(f"{src['folder']}/{row['path']}: blob {blob_id(data)}, manifest says {row['blob']}")
            path = out / row["path"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written += 1
    print(f"{written} templates written under {HERE}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("step", choices=["select", "extract"])
    p.add_argument("--mirrors", default=os.environ.get("CORPUS_MIRRORS", "/work/.mirror"),
                   help="folder of bare git directories, OWNER+NAME/repo (default /work/.mirror)")
    p.add_argument("--cache", default=os.environ.get("CORPUS_CACHE", str(HERE / ".cache")),
                   help="where repositories not under --mirrors are cloned (default corpus/.cache)")
    args = p.parse_args()
    select(args) if args.step == "select" else extract(args)


if __name__ == "__main__":
    main()
