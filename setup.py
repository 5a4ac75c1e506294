from setuptools import find_namespace_packages, setup

PLUGIN_NAME = "artifacts"
microlib_name = f"flytekitplugins-{PLUGIN_NAME}"
UI_REQUIRES = ["starlette", "uvicorn", "jinja2"]

# Readers and writers for file summaries and DataFrame values (tables, images, PDFs).
INSPECT_REQUIRES = ["pandas", "pyarrow", "pyreadstat", "pillow", "pypdf", "openpyxl", "python-calamine"]
# Value-level compare of two tables (flyte-artifacts compare): proccompy joins them in DuckDB over polars frames.
COMPARE_REQUIRES = ["proccompy", "duckdb", "polars"]

setup(
    name=microlib_name,
    version="0.1.0",
    description="Named, typed artifacts (DATA, MODEL, REPORT) for Flyte workflows, with versioned dataset export",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    packages=find_namespace_packages(include=["flytekitplugins.*"]),
    package_data={f"flytekitplugins.{PLUGIN_NAME}.ui": ["templates/*.html", "static/*"]},
    python_requires=">=3.10",
    install_requires=[
        "flytekit>=1.13,<1.17",
        "boto3",
        "click",
        "rich",
    ],
    extras_require={
        "inspect": INSPECT_REQUIRES,
        "ui": UI_REQUIRES,
        "compare": [*INSPECT_REQUIRES, *COMPARE_REQUIRES],
        # httpx2: Starlette's test client; playwright: drives Debian's chromium in the browser tests; dsjframe
        # (AGPL-3.0, used by the tests only) validates the Dataset-JSON files export-json writes; uv: builds the
        # per-minor venvs of make compat.
        "test": ["pytest", "pytest-xdist", "moto[server]", "ruff", "import-linter", "httpx2", "playwright", "dsjframe",
                 "uv",
                 *INSPECT_REQUIRES, *COMPARE_REQUIRES, *UI_REQUIRES],
    },
    entry_points={
        "flytekit.plugins": [f"{PLUGIN_NAME}=flytekitplugins.{PLUGIN_NAME}.flyte"],
        "console_scripts": ["flyte-artifacts=flytekitplugins.artifacts.cli:main"],
    },
    classifiers=[
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
)
