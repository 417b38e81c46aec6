"""The stochastic differential equation of spec 000 §4.1 on the sphere, its integrators and closed forms.

sphere          tangent projection, exact geodesic flow, uniform starts
potentials      U(x, t): linear (von Mises-Fisher), double well, mixture of wells, user energies
user_potential  a user's energy from a Python file
friction        eta(x) and its gradient
schedules       temperature schedules for annealing (spec 000 §4.3)
equation        LangevinSystem: the terms of the equation
integrators     g-BAOAB (underdamped) and projected Euler-Maruyama (overdamped)
stability       stiffness and the step-size limit
engine          simulate: many particles, guards, records, FEP
integration     IntegrationConfig (a run's settings), Trajectory and RunStats (what it returns)
state           the state a run advances, and the guards after every step (NonFiniteError)
fep             the floating equilibrium point (spec 000 §4.2)
theory          closed forms the simulations are checked against
"""
