"""Packaging for formance-sdk-python (import name `sdk`)."""

import re
from pathlib import Path

import setuptools

HERE = Path(__file__).parent
VERSION = re.search(r'^SDK_VERSION = [\"\']([^\"\']+)[\"\']', (HERE / "src/sdk/__init__.py").read_text(encoding="utf-8"), re.M)

setuptools.setup(
    name="formance-sdk-python",
    version=VERSION.group(1) if VERSION else "0.0.0",
    author="Formance SDK contributors",
    description="Python client SDK for the Formance Stack API (ledger, payments, wallets, orchestration, ...)",
    long_description=(HERE / "README.md").read_text(encoding="utf-8") if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    license="MIT",
    packages=setuptools.find_packages(where="src"),
    package_dir={"": "src"},
    package_data={"sdk": ["py.typed"]},
    include_package_data=False,
    python_requires=">=3.9",
    install_requires=[
        "requests>=2.31.0",
        "python-dateutil>=2.8.2",
        # PEP 681 dataclass_transform (required model fields for type checkers); in `typing` from 3.11.
        'typing_extensions>=4.1; python_version<"3.11"',
    ],
    extras_require={"dev": ["pytest>=7", "responses>=0.23", "PyYAML>=6", "mypy", "ruff"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Typing :: Typed",
    ],
)
