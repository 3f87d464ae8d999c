"""The parts of `build_installer.py`: what goes in, the bundle, the installers, the smoke test.

The folder `packaging/` is put on `sys.path` by build_installer.py: a package named
`packaging.*` would clash with the PyPI `packaging` library that PyInstaller and pytest import.
"""
